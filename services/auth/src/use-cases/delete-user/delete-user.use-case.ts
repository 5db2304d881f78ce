import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError } from '../../domain/auth-error';
import { actor, id, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import { assertNotLastOwner } from '../../domain/last-owner';
import { canManageRole } from '../../domain/permissions';
import { UserDeletedEvent } from '../../events/auth-events';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const DeleteUserCommand = z.object({ actor, id: z.string(), context: requestContext });
export type DeleteUserCommand = CommandInput<typeof DeleteUserCommand>;

/** Deletes a user of the actor's tenant (and, by cascade, their refresh tokens); never the last owner. */
@Injectable()
export class DeleteUserUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
  ) {}

  async execute(input: DeleteUserCommand): Promise<void> {
    const command = DeleteUserCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'user.delete', 'user', command.id.slice(0, 64));
    await this.audit.mutation(entry, async (commit) => {
      const tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'users:write', tenantId);
      if (!id.safeParse(command.id).success) throw AuthError.notFound('user', command.id);
      await commit(async (manager, emit) => {
        await this.tenants.lock(manager, tenantId);
        const user = await this.users.findById(tenantId, command.id, manager);
        if (!user) throw AuthError.notFound('user', command.id);
        entry.detail = { email: user.email, role: user.role };
        if (!canManageRole(command.actor, user.role))
          throw AuthError.permissionDenied(`only owners delete users with the role ${user.role}`);
        assertNotLastOwner(user.role, null, await this.users.countOwners(manager, tenantId));
        await this.users.delete(manager, tenantId, user.id);
        emit(UserDeletedEvent.create(tenantId, { user_id: user.id, by: actorRef(command.actor) }));
      });
    });
  }
}

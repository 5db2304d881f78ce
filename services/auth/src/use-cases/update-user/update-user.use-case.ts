import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError } from '../../domain/auth-error';
import { actor, id, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import { assertNotLastOwner } from '../../domain/last-owner';
import { canManageRole, TENANT_ROLES } from '../../domain/permissions';
import type { UserEntity } from '../../entities/user.entity';
import { UserUpdatedEvent } from '../../events/auth-events';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const UpdateUserCommand = z.object({
  actor,
  id: z.string(),
  role: z.enum(TENANT_ROLES),
  context: requestContext,
});
export type UpdateUserCommand = CommandInput<typeof UpdateUserCommand>;

/** Changes a user's role; only owners touch owners, and the last owner stays an owner. */
@Injectable()
export class UpdateUserUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
  ) {}

  async execute(input: UpdateUserCommand): Promise<UserEntity> {
    const command = UpdateUserCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'user.update', 'user', command.id.slice(0, 64));
    entry.detail = { role: command.role };
    return this.audit.mutation(entry, async (commit) => {
      const tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'users:write', tenantId);
      if (!id.safeParse(command.id).success) throw AuthError.notFound('user', command.id);
      return commit(async (manager, emit) => {
        await this.tenants.lock(manager, tenantId); // serialises concurrent owner changes
        const user = await this.users.findById(tenantId, command.id, manager);
        if (!user) throw AuthError.notFound('user', command.id);
        entry.detail = { role: command.role, previous_role: user.role };
        if (user.role === command.role) return user;
        for (const role of [user.role, command.role]) {
          if (!canManageRole(command.actor, role))
            throw AuthError.permissionDenied(`only owners change the role ${role}`);
        }
        assertNotLastOwner(user.role, command.role, await this.users.countOwners(manager, tenantId));
        await this.users.updateRole(manager, tenantId, user.id, command.role);
        emit(
          UserUpdatedEvent.create(tenantId, {
            user_id: user.id,
            role: command.role,
            previous_role: user.role,
            by: actorRef(command.actor),
          }),
        );
        return { ...user, role: command.role };
      });
    });
  }
}

import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, email, password, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import { canManageRole, TENANT_ROLES } from '../../domain/permissions';
import type { UserEntity } from '../../entities/user.entity';
import { UserCreatedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { isUniqueViolation } from '../../repositories/db-errors';
import { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const CreateUserCommand = z.object({
  actor,
  email,
  password,
  role: z.enum(TENANT_ROLES),
  context: requestContext,
});
export type CreateUserCommand = CommandInput<typeof CreateUserCommand>;

/** Creates a user in the actor's tenant (only owners create owners). */
@Injectable()
export class CreateUserUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasherRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: CreateUserCommand): Promise<UserEntity> {
    const command = CreateUserCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'user.create', 'user');
    entry.detail = { email: command.email, role: command.role };
    return this.audit.mutation(entry, async (commit) => {
      const tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'users:write', tenantId);
      if (!canManageRole(command.actor, command.role))
        throw AuthError.permissionDenied(`only owners grant the role ${command.role}`);
      const user: UserEntity = {
        id: this.crypto.uuid(),
        tenantId,
        email: command.email,
        passwordHash: await this.hasher.hash(command.password),
        role: command.role,
        failedLogins: 0,
        lockedUntil: null,
        createdAt: this.clock.now(),
      };
      try {
        await commit(async (manager, emit) => {
          entry.targetId = user.id;
          await this.users.insert(manager, user);
          emit(
            UserCreatedEvent.create(tenantId, {
              user_id: user.id,
              email: user.email,
              role: user.role,
              by: actorRef(command.actor),
            }),
          );
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AuthError(
            AuthErrorCode.AlreadyExists,
            `A user with email ${command.email} exists already.`,
          );
        throw err;
      }
      return user;
    });
  }
}

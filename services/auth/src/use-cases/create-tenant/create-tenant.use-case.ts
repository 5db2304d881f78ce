import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import type { EventEnvelope } from '@brainmesh/events';
import type { EntityManager } from 'typeorm';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, email, password, requestContext, slug, type CommandInput } from '../../domain/commands';
import { requirePermission } from '../../domain/guard';
import type { TenantEntity } from '../../entities/tenant.entity';
import type { UserEntity } from '../../entities/user.entity';
import { TenantCreatedEvent, UserCreatedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { isUniqueViolation } from '../../repositories/db-errors';
import { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const CreateTenantCommand = z.object({
  actor,
  slug,
  name: z.string().trim().min(1).max(200),
  ownerEmail: email,
  ownerPassword: password,
  context: requestContext,
});
export type CreateTenantCommand = CommandInput<typeof CreateTenantCommand>;

export interface NewTenant {
  slug: string;
  name: string;
  ownerEmail: string;
  ownerPassword: string;
}

/** Creates a tenant and its first owner in one transaction. Operators only. */
@Injectable()
export class CreateTenantUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasherRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: CreateTenantCommand): Promise<{ tenant: TenantEntity; owner: UserEntity }> {
    const command = CreateTenantCommand.parse(input);
    // Recorded under the new tenant, so its owners see who created it.
    const entry = auditEntry(command.actor, command.context, 'tenant.create', 'tenant');
    entry.detail = { slug: command.slug, name: command.name, owner_email: command.ownerEmail };
    return this.audit.mutation(entry, async (commit) => {
      requirePermission(command.actor, 'tenants:manage');
      const passwordHash = await this.hasher.hash(command.ownerPassword);
      try {
        return await commit(async (manager, emit) => {
          const created = await this.create(manager, emit, command, passwordHash, actorRef(command.actor));
          entry.tenantId = created.tenant.id;
          entry.targetId = created.tenant.id;
          entry.detail = { ...entry.detail, owner_user_id: created.owner.id };
          return created;
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AuthError(
            AuthErrorCode.AlreadyExists,
            `A tenant with slug ${command.slug} exists already.`,
          );
        throw err;
      }
    });
  }

  /** Inserts tenant + owner and emits their events inside a caller's transaction (also used by Bootstrap). */
  async create(
    manager: EntityManager,
    emit: (e: EventEnvelope<unknown>) => void,
    input: Omit<NewTenant, 'ownerPassword'>,
    passwordHash: string,
    by: string,
  ): Promise<{ tenant: TenantEntity; owner: UserEntity }> {
    const now = this.clock.now();
    const tenant: TenantEntity = {
      id: this.crypto.uuid(),
      slug: input.slug,
      name: input.name,
      status: 'active',
      plan: 'free',
      createdAt: now,
    };
    const owner: UserEntity = {
      id: this.crypto.uuid(),
      tenantId: tenant.id,
      email: input.ownerEmail,
      passwordHash,
      role: 'owner',
      failedLogins: 0,
      lockedUntil: null,
      createdAt: now,
    };
    await this.tenants.insert(manager, tenant);
    await this.users.insert(manager, owner);
    emit(
      TenantCreatedEvent.create(tenant.id, {
        tenant_id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        plan: tenant.plan,
        by,
      }),
    );
    emit(UserCreatedEvent.create(tenant.id, { user_id: owner.id, email: owner.email, role: owner.role, by }));
    return { tenant, owner };
  }
}

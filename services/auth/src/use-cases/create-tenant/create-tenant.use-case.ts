import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import type { EventEnvelope } from '@brainmesh/events';
import type { EntityManager } from 'typeorm';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, email, password, slug, type CommandInput } from '../../domain/commands';
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

export const CreateTenantCommand = z.object({
  actor,
  slug,
  name: z.string().trim().min(1).max(200),
  ownerEmail: email,
  ownerPassword: password,
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
    private readonly unitOfWork: UnitOfWork,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasherRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: CreateTenantCommand): Promise<{ tenant: TenantEntity; owner: UserEntity }> {
    const command = CreateTenantCommand.parse(input);
    requirePermission(command.actor, 'tenants:manage');
    const passwordHash = await this.hasher.hash(command.ownerPassword);
    try {
      return await this.unitOfWork.run((manager, emit) =>
        this.create(manager, emit, command, passwordHash, actorRef(command.actor)),
      );
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AuthError(
          AuthErrorCode.AlreadyExists,
          `A tenant with slug ${command.slug} exists already.`,
        );
      throw err;
    }
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

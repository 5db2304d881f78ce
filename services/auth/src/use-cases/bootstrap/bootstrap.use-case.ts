import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import { email, optionalString, requestContext, type CommandInput } from '../../domain/commands';
import { PLATFORM_TENANT } from '../../domain/platform';
import type { UserEntity } from '../../entities/user.entity';
import { ApiKeyCreatedEvent, UserCreatedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail } from '../../services/audit-trail';
import { CreateApiKeyUseCase } from '../create-api-key/create-api-key.use-case';
import { CreateTenantUseCase } from '../create-tenant/create-tenant.use-case';

export const BootstrapCommand = z.object({
  operatorEmail: optionalString(email).transform((e) => e ?? 'operator@brainmesh.local'),
  ownerEmail: optionalString(email).transform((e) => e ?? 'owner@brainmesh.local'),
  context: requestContext,
});
export type BootstrapCommand = CommandInput<typeof BootstrapCommand>;

export type BootstrapResult =
  | { created: false }
  | {
      created: true;
      operatorEmail: string;
      operatorPassword: string;
      tenantId: string;
      tenantSlug: string;
      ownerEmail: string;
      ownerPassword: string;
      apiKey: string;
    };

/** Serialises concurrent bootstraps (pg_advisory_xact_lock key). */
const BOOTSTRAP_LOCK = 731_003;

/**
 * First run, idempotent: when no operator exists, creates one, tenant `default` with an owner and a
 * `*` API key, and returns the generated secrets once; otherwise `created: false`.
 */
@Injectable()
export class BootstrapUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasherRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly createTenant: CreateTenantUseCase,
    private readonly createApiKey: CreateApiKeyUseCase,
    private readonly audit: AuditTrail,
  ) {}

  async execute(input: BootstrapCommand): Promise<BootstrapResult> {
    const command = BootstrapCommand.parse(input);
    const operatorPassword = this.crypto.password();
    const ownerPassword = this.crypto.password();
    const [operatorHash, ownerHash] = await Promise.all([
      this.hasher.hash(operatorPassword),
      this.hasher.hash(ownerPassword),
    ]);
    return this.unitOfWork.run(async (manager, emit) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      if (await this.users.operatorExists(manager)) return { created: false };
      const now = this.clock.now();
      const operator: UserEntity = {
        id: this.crypto.uuid(),
        tenantId: null,
        email: command.operatorEmail,
        passwordHash: operatorHash,
        role: 'operator',
        failedLogins: 0,
        lockedUntil: null,
        createdAt: now,
      };
      await this.users.insert(manager, operator);
      emit(
        UserCreatedEvent.create(PLATFORM_TENANT, {
          user_id: operator.id,
          email: operator.email,
          role: 'operator',
          by: 'system',
        }),
      );
      const { tenant } = await this.createTenant.create(
        manager,
        emit,
        { slug: 'default', name: 'Default', ownerEmail: command.ownerEmail },
        ownerHash,
        'system',
      );
      const { apiKey, key } = await this.createApiKey.create(
        manager,
        tenant.id,
        'bootstrap',
        ['*'],
        null,
        'system',
        now,
      );
      emit(
        ApiKeyCreatedEvent.create(tenant.id, {
          api_key_id: apiKey.id,
          prefix: apiKey.prefix,
          name: apiKey.name,
          scopes: apiKey.scopes,
          expires_at: null,
          by: 'system',
        }),
      );
      await this.audit.record(
        manager,
        {
          tenantId: null,
          actorType: 'system',
          actorId: null,
          action: 'platform.bootstrap',
          targetType: 'tenant',
          targetId: tenant.id,
          context: command.context,
          detail: {
            operator_id: operator.id,
            operator_email: operator.email,
            tenant_slug: tenant.slug,
            api_key_id: apiKey.id,
          },
        },
        'success',
      );
      return {
        created: true,
        operatorEmail: operator.email,
        operatorPassword,
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        ownerEmail: command.ownerEmail,
        ownerPassword,
        apiKey: key,
      };
    });
  }
}

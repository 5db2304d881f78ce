import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError } from '../../domain/auth-error';
import { actor, id, optionalString, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission } from '../../domain/guard';
import type { TenantEntity } from '../../entities/tenant.entity';
import { TenantUpdatedEvent } from '../../events/auth-events';
import { TenantRepository } from '../../repositories/tenant.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const UpdateTenantCommand = z.object({
  actor,
  id: z.string(),
  status: optionalString(z.enum(['active', 'suspended'])),
  name: optionalString(z.string().trim().min(1).max(200)),
  plan: optionalString(z.string().trim().min(1).max(64)),
  context: requestContext,
});
export type UpdateTenantCommand = CommandInput<typeof UpdateTenantCommand>;

/**
 * Changes status, name or plan. Suspension takes effect at once: every key, access token and
 * refresh token of the tenant is checked against the tenant's status on use. Operators only.
 */
@Injectable()
export class UpdateTenantUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly tenants: TenantRepository,
  ) {}

  async execute(input: UpdateTenantCommand): Promise<TenantEntity> {
    const command = UpdateTenantCommand.parse(input);
    // Recorded under the tenant changed, so its owners see e.g. who suspended it.
    const entry = auditEntry(
      command.actor,
      command.context,
      'tenant.update',
      'tenant',
      command.id.slice(0, 64),
    );
    return this.audit.mutation(entry, async (commit) => {
      requirePermission(command.actor, 'tenants:manage');
      if (!id.safeParse(command.id).success) throw AuthError.notFound('tenant', command.id);
      return commit(async (manager, emit) => {
        const tenant = await this.tenants.lock(manager, command.id);
        if (!tenant) throw AuthError.notFound('tenant', command.id);
        entry.tenantId = tenant.id;
        const changes = {
          ...(command.status ? { status: command.status } : {}),
          ...(command.name ? { name: command.name } : {}),
          ...(command.plan ? { plan: command.plan } : {}),
        };
        entry.detail = { ...changes, previous_status: tenant.status };
        if (Object.keys(changes).length === 0) return tenant;
        await this.tenants.update(manager, tenant.id, changes);
        const updated = { ...tenant, ...changes };
        emit(
          TenantUpdatedEvent.create(tenant.id, {
            tenant_id: tenant.id,
            status: updated.status,
            name: updated.name,
            plan: updated.plan,
            by: actorRef(command.actor),
          }),
        );
        return updated;
      });
    });
  }
}

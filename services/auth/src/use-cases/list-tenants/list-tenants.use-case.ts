import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, type CommandInput } from '../../domain/commands';
import { requirePermission } from '../../domain/guard';
import type { TenantEntity } from '../../entities/tenant.entity';
import { TenantRepository } from '../../repositories/tenant.repository';

export const ListTenantsCommand = z.object({ actor });
export type ListTenantsCommand = CommandInput<typeof ListTenantsCommand>;

/** Every tenant. Operators only. */
@Injectable()
export class ListTenantsUseCase {
  constructor(private readonly tenants: TenantRepository) {}

  async execute(input: ListTenantsCommand): Promise<TenantEntity[]> {
    const command = ListTenantsCommand.parse(input);
    requirePermission(command.actor, 'tenants:manage');
    return this.tenants.list();
  }
}

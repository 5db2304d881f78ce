import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import type { ApiKeyEntity } from '../../entities/api-key.entity';
import { ApiKeyRepository } from '../../repositories/api-key.repository';

export const ListApiKeysCommand = z.object({ actor });
export type ListApiKeysCommand = CommandInput<typeof ListApiKeysCommand>;

/** The API keys of the actor's tenant. */
@Injectable()
export class ListApiKeysUseCase {
  constructor(private readonly apiKeys: ApiKeyRepository) {}

  async execute(input: ListApiKeysCommand): Promise<ApiKeyEntity[]> {
    const command = ListApiKeysCommand.parse(input);
    const tenantId = tenantOf(command.actor);
    requirePermission(command.actor, 'api_keys:read', tenantId);
    return this.apiKeys.listByTenant(tenantId);
  }
}

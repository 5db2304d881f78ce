import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import type { UserEntity } from '../../entities/user.entity';
import { UserRepository } from '../../repositories/user.repository';

export const ListUsersCommand = z.object({ actor });
export type ListUsersCommand = CommandInput<typeof ListUsersCommand>;

/** The users of the actor's tenant. */
@Injectable()
export class ListUsersUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(input: ListUsersCommand): Promise<UserEntity[]> {
    const command = ListUsersCommand.parse(input);
    const tenantId = tenantOf(command.actor);
    requirePermission(command.actor, 'users:read', tenantId);
    return this.users.listByTenant(tenantId);
  }
}

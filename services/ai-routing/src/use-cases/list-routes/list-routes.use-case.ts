import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, ownerForRead, type CommandInput } from '../../domain/commands';
import type { RouteEntity } from '../../entities/route.entity';
import { RouteRepository } from '../../repositories/route.repository';

export const ListRoutesCommand = z.object({ actor });
export type ListRoutesCommand = CommandInput<typeof ListRoutesCommand>;

/** The routes the caller sees: its tenant's and the platform-wide ones (operators: platform-wide). */
@Injectable()
export class ListRoutesUseCase {
  constructor(private readonly routes: RouteRepository) {}

  async execute(input: ListRoutesCommand): Promise<RouteEntity[]> {
    const command = ListRoutesCommand.parse(input);
    return this.routes.listVisible(ownerForRead(command.actor));
  }
}

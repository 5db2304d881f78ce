import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, ownerForRead, type CommandInput } from '../../domain/commands';
import type { PriceEntity } from '../../entities/price.entity';
import { PriceRepository } from '../../repositories/price.repository';

export const ListPricesCommand = z.object({ actor });
export type ListPricesCommand = CommandInput<typeof ListPricesCommand>;

/** The platform price table (anyone who reads AI configuration). */
@Injectable()
export class ListPricesUseCase {
  constructor(private readonly prices: PriceRepository) {}

  async execute(input: ListPricesCommand): Promise<PriceEntity[]> {
    ownerForRead(ListPricesCommand.parse(input).actor);
    return this.prices.list();
  }
}

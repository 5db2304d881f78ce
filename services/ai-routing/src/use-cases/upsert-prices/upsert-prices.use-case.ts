import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, requirePermission, type CommandInput } from '../../domain/commands';
import type { PriceEntity } from '../../entities/price.entity';
import { ClockRepository } from '../../repositories/clock.repository';
import { PriceRepository } from '../../repositories/price.repository';
import { ConfigCache } from '../../services/config-cache';

export const UpsertPricesCommand = z.object({
  actor,
  prices: z
    .array(
      z.object({
        model: z.string().trim().min(1).max(200),
        inputPerMtok: z.number().min(0).max(100_000),
        outputPerMtok: z.number().min(0).max(100_000),
        contextWindow: z.number().int().min(0).max(100_000_000).default(0),
      }),
    )
    .min(1)
    .max(1000),
});
export type UpsertPricesCommand = CommandInput<typeof UpsertPricesCommand>;

/** Creates or replaces price table entries (operators; all or nothing). */
@Injectable()
export class UpsertPricesUseCase {
  constructor(
    private readonly prices: PriceRepository,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: UpsertPricesCommand): Promise<PriceEntity[]> {
    const command = UpsertPricesCommand.parse(input);
    requirePermission(command.actor, 'ai_config:platform');
    const now = this.clock.now();
    await this.prices.upsert(command.prices.map((p) => ({ ...p, updatedAt: now })));
    this.cache.clear();
    return this.prices.list();
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PriceEntity } from '../entities/price.entity';

/** The platform price table (not tenant-owned: list prices of upstream models). */
@Injectable()
export class PriceRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<PriceEntity[]> {
    return this.dataSource.manager.find(PriceEntity, { order: { model: 'ASC' } });
  }

  /** Creates or replaces entries in one transaction (all or nothing). */
  async upsert(prices: PriceEntity[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const price of prices) {
        await manager.query(
          `INSERT INTO prices (model, input_per_mtok, output_per_mtok, context_window, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (model) DO UPDATE SET input_per_mtok = EXCLUDED.input_per_mtok,
             output_per_mtok = EXCLUDED.output_per_mtok, context_window = EXCLUDED.context_window,
             updated_at = EXCLUDED.updated_at`,
          [price.model, price.inputPerMtok, price.outputPerMtok, price.contextWindow, price.updatedAt],
        );
      }
    });
  }
}

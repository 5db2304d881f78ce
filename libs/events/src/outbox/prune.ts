import type { DataSource } from 'typeorm';

export interface PruneOptions {
  /** Delete outbox rows published longer ago than this. */
  publishedOlderThanMs?: number;
  /**
   * Delete dedupe marks older than this. Must exceed the longest possible redelivery delay
   * (Kafka retention of the topics), or old events could be handled twice.
   */
  processedOlderThanMs?: number;
}

/** Housekeeping of the event tables; returns the number of rows deleted from each. */
export async function pruneEventTables(
  dataSource: DataSource,
  options: PruneOptions,
): Promise<{ outbox: number; processed: number }> {
  const deleted = { outbox: 0, processed: 0 };
  if (options.publishedOlderThanMs !== undefined) {
    const [, count] = (await dataSource.query(
      "DELETE FROM outbox_events WHERE published_at < now() - ($1::bigint * interval '1 millisecond')",
      [options.publishedOlderThanMs],
    )) as [unknown, number];
    deleted.outbox = count;
  }
  if (options.processedOlderThanMs !== undefined) {
    const [, count] = (await dataSource.query(
      "DELETE FROM processed_events WHERE processed_at < now() - ($1::bigint * interval '1 millisecond')",
      [options.processedOlderThanMs],
    )) as [unknown, number];
    deleted.processed = count;
  }
  return deleted;
}

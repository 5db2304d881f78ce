import { randomBytes } from 'node:crypto';

/**
 * A name unique to this run, usable as a Postgres identifier, Kafka topic or consumer group:
 * lower-case `prefix` (non-alphanumerics become `_`), then time and randomness.
 */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'test';
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return `${clean}_${suffix}`;
}

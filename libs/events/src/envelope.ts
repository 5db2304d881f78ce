import { z } from 'zod';

/**
 * The versioned envelope of every domain event, on Kafka (as the JSON message value), in the
 * outbox and in memory.
 */
export interface EventEnvelope<T = unknown> {
  /** UUID v7 (time-ordered); also the idempotency key of consumers. */
  id: string;
  /** Dotted event type, e.g. `diagnostics.probe`. */
  type: string;
  /** Schema version of `data` for this type. */
  version: number;
  tenantId: string;
  /** ISO-8601 timestamp of when the fact happened. */
  occurredAt: string;
  /** W3C trace context of the producing operation, if traced. */
  traceparent?: string;
  /** Partitioning key (per-key order); the tenant id unless stated otherwise. */
  key: string;
  data: T;
}

export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  tenantId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  traceparent: z.string().min(1).optional(),
  key: z.string().min(1),
  data: z.unknown(),
});

export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
}

/** Validates the envelope fields (not `data`, which belongs to the event definition). */
export function parseEnvelope(value: unknown): EventEnvelope<unknown> {
  const result = envelopeSchema.safeParse(value);
  if (!result.success) {
    throw new EventValidationError(`invalid event envelope: ${z.prettifyError(result.error)}`);
  }
  return result.data as EventEnvelope<unknown>;
}

/** Decodes a JSON message value (Buffer or string) into a validated envelope. */
export function decodeEnvelope(value: Buffer | string | null | undefined): EventEnvelope<unknown> {
  if (value === null || value === undefined) throw new EventValidationError('empty event message');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw new EventValidationError(`event message is not JSON: ${(err as Error).message}`);
  }
  return parseEnvelope(json);
}

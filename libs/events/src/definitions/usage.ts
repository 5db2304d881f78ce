import { z } from 'zod';
import { defineEvent } from '../define-event';
import { TOPICS } from '../topics';

/** What happened to one LLM call. */
export const USAGE_STATUSES = ['ok', 'error', 'cache_hit', 'refused'] as const;

/**
 * One LLM call (chat or embeddings) through ai-routing, whatever its outcome: success, upstream
 * failure, cache hit, or refusal (budget, rate limit). Emitted through ai-routing's outbox in the
 * same transaction as the usage ledger row; consumed by analytics (idempotently, by event id).
 */
export const UsageRecordedEvent = defineEvent({
  type: 'usage.recorded',
  version: 1,
  topic: TOPICS.usage,
  schema: z.object({
    usage_id: z.string().min(1),
    request_id: z.string(),
    trace_id: z.string(),
    kind: z.enum(['chat', 'embeddings']),
    api_key_id: z.string().nullable(),
    user_id: z.string().nullable(),
    route: z.string(),
    route_id: z.string().nullable(),
    deployment: z.string().nullable(),
    provider_id: z.string().nullable(),
    provider_type: z.string().nullable(),
    upstream_model: z.string().nullable(),
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    /** True when the counts come from our tokenizer because the provider reported none. */
    tokens_estimated: z.boolean(),
    cost_usd: z.number().nonnegative(),
    latency_ms: z.number().nonnegative(),
    /** Time to first token (streams) or to the response (non-streaming); null when nothing came. */
    ttft_ms: z.number().nonnegative().nullable(),
    stream: z.boolean(),
    status: z.enum(USAGE_STATUSES),
    /** e.g. `rate_limited`, `server_error`, `budget_exceeded`, `timeout`; null on success. */
    error_class: z.string().nullable(),
    http_status: z.number().int(),
    cache_hit: z.boolean(),
    attempts: z.number().int().nonnegative(),
    occurred_at: z.string(),
  }),
});
export type UsageRecorded = z.output<typeof UsageRecordedEvent.schema>;

/** A budget's spend crossed 80% or 100% of its limit in the current period (once per period). */
export const BudgetThresholdReachedEvent = defineEvent({
  type: 'budget.threshold_reached',
  version: 1,
  topic: TOPICS.usage,
  schema: z.object({
    budget_id: z.string().min(1),
    scope: z.enum(['tenant', 'api_key']),
    api_key_id: z.string().nullable(),
    period: z.enum(['day', 'month']),
    period_start: z.string(),
    threshold: z.union([z.literal(80), z.literal(100)]),
    spent_usd: z.number(),
    limit_usd: z.number(),
    hard: z.boolean(),
  }),
});
export type BudgetThresholdReached = z.output<typeof BudgetThresholdReachedEvent.schema>;

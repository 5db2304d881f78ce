import { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

const ms = (fallback: number, max: number, what: string) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(max)
    .default(fallback)
    .describe(`milliseconds from 0 to ${max} (${what})`);

/** Environment of the ai-routing service (see README "Configuration"). */
export const aiRoutingConfigSchema = baseServiceConfig({ httpPort: 8082, grpcPort: 50052 }).extend({
  /**
   * Keys sealing provider credentials at rest (AES-256-GCM): `kid:base64key[,kid:base64key...]`,
   * 32-byte keys, the first one seals new secrets, the others still open old ones (rotation).
   */
  PROVIDER_SECRET_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+)*$/)
    .describe(
      'a comma-separated list of kid:base64key entries with 32-byte keys, e.g. k1:$(openssl rand -base64 32)',
    )
    // Optional here so `migrate` runs without it; serving refuses to start without it (ProviderSecrets).
    .optional(),
  /** How long a replica reuses a resolved route, provider or budget list (other replicas' writes show within it). */
  ROUTE_CACHE_TTL_MS: ms(2000, 60_000, 'how long route, provider and budget lookups are cached'),
  /** Group-commit window of the usage ledger: usage rows and their events are written in batches. */
  USAGE_FLUSH_MS: ms(100, 5000, 'how long usage records wait to be written together'),
  /**
   * How often a replica reports the spend it admitted inside its budget leases and resizes them
   * (Redis only). 0 = no leases: every call is admitted and settled in Redis (two round trips).
   */
  BUDGET_LEASE_SYNC_MS: ms(100, 10_000, 'how often budget leases report spend to Redis; 0 = no leases'),
  /** Timeout of one upstream attempt when the deployment sets none. */
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(120_000)
    .describe('milliseconds from 100 to 3600000 (default timeout of one upstream attempt)'),
  /** Completion tokens reserved against budgets when a request sets no max_tokens. */
  DEFAULT_MAX_COMPLETION_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(4096),
  /** Entries of the in-memory response cache (used when REDIS_URL is not set). */
  CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
});
export type AiRoutingConfig = z.output<typeof aiRoutingConfigSchema>;

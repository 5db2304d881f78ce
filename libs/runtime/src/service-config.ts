import { env, z } from '@brainmesh/config';

/**
 * Settings every service reads from its environment (one process per service in production).
 * Service-specific schemas extend this with `baseServiceConfig(ports).extend({...})`.
 */
export function baseServiceConfig(defaults: { httpPort: number; grpcPort: number }) {
  return z.object({
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    HTTP_HOST: env.host('0.0.0.0'),
    HTTP_PORT: env.port(defaults.httpPort),
    HTTP_BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
    /** Behind one reverse proxy: the client address is the last X-Forwarded-For entry. */
    TRUST_PROXY: env.boolean(false),
    /** Browser origins allowed to call the HTTP API (CORS); none when unset. */
    CORS_ORIGINS: z
      .string()
      .regex(/^(\*|https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*)$/)
      .transform((v) => (v === '*' ? ['*'] : v.split(',')))
      .optional()
      .describe('a comma-separated list of origins like https://app.example.com, or *'),
    GRPC_HOST: env.host('0.0.0.0'),
    GRPC_PORT: env.port(defaults.grpcPort),
    /** Production: this service's own Postgres database. */
    DATABASE_URL: env.postgresUrl().optional(),
    /** Embedded: a PGlite data directory (or memory://) used when DATABASE_URL is not set. */
    DATA_DIR: z
      .string()
      .min(1)
      .optional()
      .describe('a directory path for the embedded PGlite database, or memory://'),
    DATABASE_POOL_MAX: env.positiveInt(10),
    MIGRATE_ON_START: env.boolean(false),
    EVENT_BUS: z
      .enum(['kafka', 'memory'])
      .default('kafka')
      .describe('kafka or memory (memory only in the embedded mode)'),
    KAFKA_BROKERS: env.brokers().optional(),
    REDIS_URL: env.redisUrl().optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.url().optional(),
    GRPC_DEADLINE_MS: env.positiveInt(5000),
    SHUTDOWN_GRACE_MS: env.positiveInt(10000),
  });
}

export type BaseServiceConfig = z.output<ReturnType<typeof baseServiceConfig>>;

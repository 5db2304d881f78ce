/** Connection settings of the real infrastructure started by `npm run infra -- up`. */
export interface InfraEnv {
  /** Admin URL of the Postgres server (database `postgres`). */
  pgUrl: string;
  /** Kafka bootstrap brokers. */
  kafkaBrokers: string[];
  redisUrl: string;
}

const VARIABLES = {
  pgUrl: 'BRAINMESH_PG_URL',
  kafkaBrokers: 'KAFKA_BROKERS',
  redisUrl: 'REDIS_URL',
} as const;

export class InfraEnvError extends Error {
  override readonly name = 'InfraEnvError';
}

/**
 * Reads the infrastructure settings medium tests need. Throws (so the test fails rather than
 * skips) naming the missing variable and how to start the infrastructure.
 */
export function requireInfraEnv(env: NodeJS.ProcessEnv = process.env): InfraEnv {
  const read = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) {
      throw new InfraEnvError(
        `${name} is not set: medium tests need real infrastructure. ` +
          `Start it with \`npm run infra -- up\` and export the variables it prints ` +
          `(${Object.values(VARIABLES).join(', ')}).`,
      );
    }
    return value;
  };
  return {
    pgUrl: read(VARIABLES.pgUrl),
    kafkaBrokers: read(VARIABLES.kafkaBrokers)
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
    redisUrl: read(VARIABLES.redisUrl),
  };
}

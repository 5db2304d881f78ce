import { z } from 'zod';
import { ConfigError, env, loadConfig } from './index';

const schema = z.object({
  HTTP_PORT: env.port(3000),
  DATABASE_URL: env.postgresUrl(),
  KAFKA_BROKERS: env.brokers().optional(),
  DEBUG_SQL: env.boolean(false),
  JWT_SECRET: z.string().min(32).describe('a random string of at least 32 characters'),
});

describe('loadConfig', () => {
  const valid = { DATABASE_URL: 'postgres://u:p@localhost:5432/db', JWT_SECRET: 'x'.repeat(32) };

  it('parses, coerces and applies defaults', () => {
    const cfg = loadConfig(schema, { ...valid, KAFKA_BROKERS: 'a:1,b:2', DEBUG_SQL: 'yes' });
    expect(cfg).toEqual({
      HTTP_PORT: 3000,
      DATABASE_URL: valid.DATABASE_URL,
      KAFKA_BROKERS: ['a:1', 'b:2'],
      DEBUG_SQL: true,
      JWT_SECRET: 'x'.repeat(32),
    });
  });

  it('names the variable and the expected form in one line', () => {
    expect(() => loadConfig(schema, { ...valid, HTTP_PORT: 'eighty' })).toThrow(
      'Invalid configuration: HTTP_PORT must be a TCP port number (0-65535) (got "eighty")',
    );
  });

  it('says when a required variable is missing and treats empty as unset', () => {
    expect(() => loadConfig(schema, { JWT_SECRET: valid.JWT_SECRET, DATABASE_URL: '' })).toThrow(
      'DATABASE_URL must be a postgres:// connection URL, e.g. postgres://user:pass@host:5432/db (it is not set)',
    );
  });

  it('lists every problem and never prints secret values', () => {
    let error: unknown;
    try {
      loadConfig(schema, { DATABASE_URL: 'mysql://x', JWT_SECRET: 'short-secret', KAFKA_BROKERS: 'nohost' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const err = error as ConfigError;
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'KAFKA_BROKERS']);
    expect(err.message).not.toContain('short-secret');
    expect(err.message).toContain(
      'JWT_SECRET must be a random string of at least 32 characters (got "<redacted>")',
    );
  });
});

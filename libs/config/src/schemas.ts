import { z } from 'zod';

/** Reusable, self-describing environment variable schemas (the description is the expected form). */
export const env = {
  port: (fallback: number) =>
    z.coerce.number().int().min(0).max(65535).default(fallback).describe('a TCP port number (0-65535)'),
  host: (fallback: string) => z.string().min(1).default(fallback).describe('a host name or IP address'),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .describe('true or false'),
  positiveInt: (fallback: number) =>
    z.coerce.number().int().positive().default(fallback).describe('a positive whole number'),
  postgresUrl: () =>
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/)
      .describe('a postgres:// connection URL, e.g. postgres://user:pass@host:5432/db'),
  url: () => z.url().describe('an absolute URL, e.g. http://host:4318'),
  redisUrl: () =>
    z
      .string()
      .regex(/^rediss?:\/\/.+/)
      .describe('a redis:// URL, e.g. redis://host:6379'),
  brokers: () =>
    z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/)
      .transform((v) => v.split(','))
      .describe('a comma-separated list of host:port Kafka brokers'),
  logLevel: () =>
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('one of fatal, error, warn, info, debug, trace, silent'),
  nodeEnv: () =>
    z
      .enum(['development', 'production', 'test'])
      .default('development')
      .describe('development, production or test'),
};

import { z } from '@brainmesh/config';

const limit = z
  .object({
    /** Sustained requests per second (the refill rate). */
    rps: z.number().positive(),
    /** Requests allowed at once (the bucket's capacity). */
    burst: z.number().int().min(1),
  })
  .strict();
export type PlanLimit = z.output<typeof limit>;

/**
 * Defaults: generous enough for people and CI, tight enough to slow a password-guessing script.
 * `default` applies to every authenticated credential whose plan has no entry of its own; `ip`
 * to the unauthenticated session routes (login, refresh, logout) per client address.
 */
export const DEFAULT_RATE_LIMITS = {
  plans: {} as Record<string, PlanLimit>,
  default: { rps: 20, burst: 100 },
  ip: { rps: 2, burst: 60 },
};

export const rateLimitsSchema = z
  .object({
    plans: z.record(z.string().min(1), limit).default(DEFAULT_RATE_LIMITS.plans),
    default: limit.default(DEFAULT_RATE_LIMITS.default),
    ip: limit.default(DEFAULT_RATE_LIMITS.ip),
  })
  .strict();
export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;

/** RATE_LIMITS: a JSON document, every part optional; validated at boot. */
export const rateLimitsEnv = () =>
  z
    .string()
    .default('{}')
    .transform((raw, ctx): unknown => {
      try {
        return JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(rateLimitsSchema)
    .describe(
      'JSON like {"plans":{"free":{"rps":5,"burst":20}},"default":{"rps":20,"burst":100},"ip":{"rps":2,"burst":60}} ' +
        '(rps > 0, burst a whole number >= 1; every part optional)',
    );

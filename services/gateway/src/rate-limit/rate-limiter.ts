import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY, ProblemException, SERVICE_CONFIG, problem } from '@brainmesh/runtime';
import { counter, type Registry } from '@brainmesh/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../auth/authenticator';
import type { GatewayConfig } from '../config';
import { clientIp } from './client-ip';
import type { PlanLimit, RateLimitsConfig } from './rate-limit.config';
import { RateLimitStore, type TakeResult } from './rate-limit.store';

export type RateLimitScope = 'ip' | 'key';

type HeaderTarget = Pick<FastifyReply, 'header'>;

/** The IETF draft RateLimit-* headers (seconds), and Retry-After when refused. */
export function rateLimitHeaders(limit: PlanLimit, result: TakeResult): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit.burst),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(result.resetSeconds),
    ...(result.allowed ? {} : { 'Retry-After': String(result.retryAfterSeconds) }),
  };
}

/** The 429 problem for a refused request; `what` names the bucket ("this API key", ...). */
export function rateLimitExceeded(what: string, retryAfterSeconds: number): ProblemException {
  return new ProblemException(
    problem(429, `Rate limit exceeded for ${what}; retry after ${retryAfterSeconds} s.`),
  );
}

/**
 * Applies the token-bucket limits: per credential after authentication (`rl:key:<subject id>`,
 * limits of the caller's plan) and per client address on the unauthenticated session routes
 * (`rl:ip:<address>`). Sets the RateLimit-* headers, or throws a 429 problem with Retry-After.
 */
@Injectable()
export class RateLimiter {
  private readonly limits: RateLimitsConfig;
  private readonly trustProxy: boolean;
  private readonly decisions;

  constructor(
    private readonly store: RateLimitStore,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.limits = config.RATE_LIMITS;
    this.trustProxy = config.TRUST_PROXY;
    this.decisions = counter(
      registry,
      'ratelimit_decisions_total',
      'Rate-limit decisions by scope and result',
      ['scope', 'result'],
    );
  }

  /** The tenant plan the credential was verified with (`default` for operators or unknown plans). */
  planFor(actor: Actor): string {
    return actor.plan || 'default';
  }

  limitFor(scope: RateLimitScope, actor?: Actor): PlanLimit {
    if (scope === 'ip') return this.limits.ip;
    const plan = actor ? this.planFor(actor) : 'default';
    return this.limits.plans[plan] ?? this.limits.default;
  }

  /** Per-credential limit (AuthGuard, after authentication). */
  limitActor(actor: Actor, reply: HeaderTarget): Promise<void> {
    const what = actor.subjectType === 'api_key' ? 'this API key' : 'this user';
    return this.enforce('key', `rl:key:${actor.subjectId}`, this.limitFor('key', actor), what, reply);
  }

  /** Per-address limit (unauthenticated routes, `@RateLimited('ip')`). */
  limitClient(request: Pick<FastifyRequest, 'headers' | 'raw'>, reply: HeaderTarget): Promise<void> {
    const ip = clientIp(request, this.trustProxy);
    return this.enforce('ip', `rl:ip:${ip}`, this.limitFor('ip'), 'this client address', reply);
  }

  private async enforce(
    scope: RateLimitScope,
    key: string,
    limit: PlanLimit,
    what: string,
    reply: HeaderTarget,
  ): Promise<void> {
    const result = await this.store.take(key, { capacity: limit.burst, refillPerSec: limit.rps, cost: 1 });
    this.decisions.inc({ scope, result: result.allowed ? 'allowed' : 'limited' });
    for (const [name, value] of Object.entries(rateLimitHeaders(limit, result)))
      void reply.header(name, value);
    if (!result.allowed) throw rateLimitExceeded(what, result.retryAfterSeconds);
  }
}

import { Controller, Get, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@brainmesh/config';
import { createLogger } from '@brainmesh/logging';
import { METRICS_REGISTRY, ProblemDetailsFilter, ProblemException, SERVICE_CONFIG } from '@brainmesh/runtime';
import { createMetricsRegistry, type Registry } from '@brainmesh/telemetry';
import type { Actor } from '../auth/authenticator';
import { gatewayConfigSchema } from '../config';
import { MemoryRateLimitStore } from './memory-rate-limit.repository';
import { RateLimited, RateLimitGuard } from './rate-limit.guard';
import { RateLimitStore } from './rate-limit.store';
import { RateLimiter, rateLimitHeaders } from './rate-limiter';

const actor = (subjectType: string, subjectId: string, plan = ''): Actor => ({
  subjectType,
  subjectId,
  tenantId: 't1',
  role: 'owner',
  scopes: [],
  plan,
});

class FakeReply {
  readonly headers: Record<string, string> = {};
  header(name: string, value: string) {
    this.headers[name] = value;
    return this;
  }
}

describe('rateLimitHeaders', () => {
  it('sends the draft RateLimit-* headers, and Retry-After only when refused', () => {
    const limit = { rps: 2, burst: 60 };
    expect(
      rateLimitHeaders(limit, { allowed: true, remaining: 59, resetSeconds: 1, retryAfterSeconds: 0 }),
    ).toEqual({
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '59',
      'RateLimit-Reset': '1',
    });
    expect(
      rateLimitHeaders(limit, { allowed: false, remaining: 0, resetSeconds: 30, retryAfterSeconds: 1 }),
    ).toEqual({
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '30',
      'Retry-After': '1',
    });
  });
});

describe('RateLimiter', () => {
  const nowMs = 0;
  let registry: Registry;
  const limiterWith = (env: Record<string, string>) => {
    registry = createMetricsRegistry('gateway', { defaultMetrics: false });
    const store = new MemoryRateLimitStore({ now: () => nowMs });
    return new RateLimiter(store, loadConfig(gatewayConfigSchema, env), registry);
  };

  it('limits each credential by its plan and refuses with a 429 problem', async () => {
    const limiter = limiterWith({ RATE_LIMITS: '{"default":{"rps":1,"burst":2}}' });
    expect(limiter.planFor(actor('user', 'u1'))).toBe('default');
    const reply = new FakeReply();
    await limiter.limitActor(actor('api_key', 'k1'), reply as never);
    await limiter.limitActor(actor('api_key', 'k1'), reply as never);
    expect(reply.headers).toEqual({
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '2',
    });

    const refused = await limiter.limitActor(actor('api_key', 'k1'), reply as never).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemException);
    expect((refused as ProblemException).problem).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Rate limit exceeded for this API key; retry after 1 s.',
    });
    expect(reply.headers['Retry-After']).toBe('1');

    // Another credential has its own bucket; a user is named as such.
    await limiter.limitActor(actor('user', 'u1'), new FakeReply() as never);
    await limiter.limitActor(actor('user', 'u1'), new FakeReply() as never);
    await expect(limiter.limitActor(actor('user', 'u1'), new FakeReply() as never)).rejects.toThrow(
      'Rate limit exceeded for this user; retry after 1 s.',
    );

    const metrics = await registry.getSingleMetricAsString('ratelimit_decisions_total');
    expect(metrics).toContain('ratelimit_decisions_total{scope="key",result="allowed",service="gateway"} 4');
    expect(metrics).toContain('ratelimit_decisions_total{scope="key",result="limited",service="gateway"} 2');
  });

  it("uses the limits of the credential's tenant plan, default for unknown plans", async () => {
    const limiter = limiterWith({ RATE_LIMITS: '{"plans":{"pro":{"rps":50,"burst":200}}}' });
    expect(limiter.limitFor('key', actor('user', 'u1', 'pro'))).toEqual({ rps: 50, burst: 200 });
    expect(limiter.limitFor('key', actor('user', 'u2', 'enterprise'))).toEqual(
      limiter.limitFor('key', actor('user', 'u3')),
    );
    expect(limiter.limitFor('ip')).toEqual({ rps: 2, burst: 60 });
  });
});

@Controller()
class ProbeController {
  @Post('login')
  @RateLimited('ip')
  login() {
    return { ok: true };
  }

  @Get('free')
  free() {
    return { ok: true };
  }
}

@Module({
  controllers: [ProbeController],
  providers: [
    {
      provide: SERVICE_CONFIG,
      useValue: loadConfig(gatewayConfigSchema, { RATE_LIMITS: '{"ip":{"rps":0.5,"burst":2}}' }),
    },
    { provide: METRICS_REGISTRY, useValue: createMetricsRegistry('gateway', { defaultMetrics: false }) },
    { provide: RateLimitStore, useValue: new MemoryRateLimitStore() },
    RateLimiter,
    RateLimitGuard,
  ],
})
class ProbeModule {}

describe('@RateLimited(ip) over HTTP', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter(createLogger({ service: 'test', level: 'silent' })));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('sends RateLimit-* on success and a 429 problem with Retry-After over the limit', async () => {
    const post = () => app.inject({ method: 'POST', url: '/login', remoteAddress: '198.51.100.4' });
    const first = await post();
    expect(first.statusCode).toBe(201);
    expect(first.headers).toMatchObject({
      'ratelimit-limit': '2',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '2',
    });
    expect((await post()).statusCode).toBe(201);

    const refused = await post();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.json()).toMatchObject({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Rate limit exceeded for this client address; retry after 2 s.',
      instance: '/login',
    });

    // Another address has its own bucket; unmarked routes are not limited by this guard.
    const other = await app.inject({ method: 'POST', url: '/login', remoteAddress: '198.51.100.5' });
    expect(other.statusCode).toBe(201);
    const free = await app.inject({ method: 'GET', url: '/free', remoteAddress: '198.51.100.4' });
    expect(free.statusCode).toBe(200);
    expect(free.headers['ratelimit-limit']).toBeUndefined();
  });
});

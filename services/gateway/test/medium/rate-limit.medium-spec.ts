import { createServer, type Server, type Socket } from 'node:net';
import { createLogger } from '@brainmesh/logging';
import { createMetricsRegistry, type Registry } from '@brainmesh/telemetry';
import { LogCapture, requireInfraEnv, uniqueName } from '@brainmesh/testing';
import Redis from 'ioredis';
import type { BucketLimits } from '../../src/rate-limit/rate-limit.store';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-rate-limit.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the script calls a store sends to Redis (the client's own methods, called through). */
const scriptCalls = (store: RedisRateLimitStore) => {
  const evalsha = jest.spyOn(store.client, 'evalsha');
  const evalScript = jest.spyOn(store.client, 'eval');
  return () => evalsha.mock.calls.length + evalScript.mock.calls.length;
};

/** RedisRateLimitStore on the real Redis: two stores stand for two gateway replicas. */
describe('RedisRateLimitStore on real Redis', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  const logger = createLogger({ service: 'gateway', level: 'info', destination: logs });
  const stores: RedisRateLimitStore[] = [];
  let admin: Redis;
  let registry: Registry;

  const replica = async (url = infra.redisUrl, options: { connectWaitMs?: number } = {}) => {
    const store = new RedisRateLimitStore({ url, logger, registry, ...options });
    stores.push(store);
    await store.onModuleInit();
    return store;
  };

  beforeAll(() => {
    admin = new Redis(infra.redisUrl);
  });
  beforeEach(() => {
    registry = createMetricsRegistry('gateway', { defaultMetrics: false });
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.onModuleDestroy()));
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('never lets two replicas together exceed capacity + refill under 200 concurrent takes', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = `rl:test:${uniqueName('shared')}`;
    const limits = { capacity: 50, refillPerSec: 20 };
    const startedAt = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).take(key, limits)),
    );
    const elapsedSec = (Date.now() - startedAt) / 1000;
    const allowed = results.filter((r) => r.allowed).length;

    expect(allowed).toBeGreaterThanOrEqual(limits.capacity);
    expect(allowed).toBeLessThanOrEqual(limits.capacity + Math.ceil(elapsedSec * limits.refillPerSec));
    // Every decision was Redis's: none fell back to a replica's memory.
    expect(await registry.getSingleMetricAsString('ratelimit_store_errors_total')).not.toMatch(/ \d+$/m);
    const refused = results.find((r) => !r.allowed)!;
    expect(refused).toMatchObject({ remaining: 0, retryAfterSeconds: 1 });
    expect(refused.resetSeconds).toBeGreaterThanOrEqual(2);
    expect(refused.resetSeconds).toBeLessThanOrEqual(3);
  });

  it('refills over time on Redis time, and the key expires once the bucket is full', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = `rl:test:${uniqueName('refill')}`;
    const limits = { capacity: 3, refillPerSec: 10 };
    for (let i = 0; i < 3; i++) expect((await a.take(key, limits)).allowed).toBe(true);
    expect(await b.take(key, limits)).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);

    await sleep(150); // about 1.5 tokens back
    expect(await b.take(key, limits)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await a.take(key, limits)).allowed).toBe(false);

    await sleep(400); // full again: the key is gone, a fresh bucket answers
    expect(await admin.exists(key)).toBe(0);
    expect(await a.take(key, limits)).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 1 });
  });

  describe('token leases', () => {
    const allowedOf = async (store: RedisRateLimitStore, key: string, limits: BucketLimits, n: number) => {
      const results = await Promise.all(Array.from({ length: n }, () => store.take(key, limits)));
      return results.filter((r) => r.allowed).length;
    };

    it('never lets two replicas hammered concurrently allow more than capacity + refill', async () => {
      const [a, b] = [await replica(), await replica()];
      const key = `rl:test:${uniqueName('hammer')}`;
      const limits = { capacity: 100, refillPerSec: 200 }; // leases of up to 10
      let allowed = 0;
      let refused = 0;
      const startedAt = performance.now();
      const deadline = startedAt + 1_000;
      const client = async (store: RedisRateLimitStore) => {
        while (performance.now() < deadline) {
          if ((await store.take(key, limits)).allowed) allowed += 1;
          else refused += 1;
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, i) => client(i % 2 === 0 ? a : b)));
      const elapsedSec = (performance.now() - startedAt) / 1000;

      // Redis's clock counts whole milliseconds: 2 ms of slack on the refill.
      const bound = limits.capacity + limits.refillPerSec * (elapsedSec + 0.002);
      expect(allowed).toBeLessThanOrEqual(Math.floor(bound + 1e-9));
      expect(allowed).toBeGreaterThanOrEqual(limits.capacity);
      expect(refused).toBeGreaterThan(0);
      expect(await registry.getSingleMetricAsString('ratelimit_store_errors_total')).not.toMatch(/ \d+$/m);
    });

    it('makes far fewer Redis calls than takes on a hot key', async () => {
      const store = await replica();
      const calls = scriptCalls(store);
      const key = `rl:test:${uniqueName('hot')}`;
      const limits = { capacity: 1_000, refillPerSec: 100 }; // leases of up to 50
      let allowed = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          for (let i = 0; i < 100; i++) if ((await store.take(key, limits)).allowed) allowed += 1;
        }),
      );
      expect(allowed).toBe(1_000);
      expect(calls()).toBeLessThanOrEqual(50); // 25 when every lease grows: 1, 2, ..., 32, then 50s
      expect(await registry.getSingleMetricAsString('ratelimit_redis_calls_total')).toContain(
        `ratelimit_redis_calls_total{op="lease",service="gateway"} ${calls()}`,
      );
    });

    it('gives tokens an idle lease holds back to Redis, where another replica takes them', async () => {
      const [a, b] = [await replica(), await replica()];
      const key = `rl:test:${uniqueName('idle')}`;
      const limits = { capacity: 100, refillPerSec: 0.001 }; // leases of up to 10, no refill to speak of
      expect(await allowedOf(a, key, limits, 20)).toBe(20);
      const held = Math.round(80 - Number(await admin.hget(key, 'tokens')));
      expect(held).toBeGreaterThan(0); // a leased more than it spent (1 + 2 + 4 + 8 + 10 = 25 at full speed)

      expect(await allowedOf(b, key, limits, 100)).toBe(80 - held);
      await sleep(1_500); // a's lease is older than 1 s: the sweep gives its tokens back
      expect(Math.round(Number(await admin.hget(key, 'tokens')))).toBe(held);
      expect(await allowedOf(b, key, limits, 10)).toBe(held);
    });

    it('gives leased tokens back on shutdown', async () => {
      const [a, b] = [await replica(), await replica()];
      const key = `rl:test:${uniqueName('shutdown')}`;
      const limits = { capacity: 100, refillPerSec: 0.001 };
      expect(await allowedOf(a, key, limits, 20)).toBe(20);
      expect(Number(await admin.hget(key, 'tokens'))).toBeLessThan(80);
      await a.onModuleDestroy();
      expect(await allowedOf(b, key, limits, 100)).toBe(80);
    });

    it('is exact for a quiet key: one Redis call per take, remaining down by 1 each time', async () => {
      const [a, b] = [await replica(), await replica()];
      const calls = [scriptCalls(a), scriptCalls(b)];
      const key = `rl:test:${uniqueName('quiet')}`;
      const limits = { capacity: 100, refillPerSec: 0.001 };
      const remaining = [];
      for (let i = 0; i < 6; i++) {
        if (i > 0) await sleep(200);
        remaining.push((await (i % 2 === 0 ? a : b).take(key, limits)).remaining);
      }
      expect(remaining).toEqual([99, 98, 97, 96, 95, 94]);
      expect(calls.map((count) => count())).toEqual([3, 3]);
      expect(Number(await admin.hget(key, 'tokens'))).toBeCloseTo(94, 2); // no replica holds a token
    });
  });

  it('does not refuse a bucket that float noise left a hair under the cost', async () => {
    const store = await replica();
    const key = `rl:test:${uniqueName('noise')}`;
    const limits = { capacity: 10, refillPerSec: 0.001 };
    const [seconds, micros] = await admin.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // Stamped a little ahead so that no refill happens before the take.
    await admin.hset(key, 'tokens', '0.99999999999', 'ts', String(nowMs + 10_000));
    await admin.pexpire(key, 60_000);
    expect((await store.take(key, limits)).allowed).toBe(true);
    expect((await store.take(key, limits)).allowed).toBe(false);
  });

  it('keeps keys independent', async () => {
    const [a, b] = [await replica(), await replica()];
    const prefix = uniqueName('independent');
    const limits = { capacity: 2, refillPerSec: 0.1 };
    await a.take(`rl:test:${prefix}:one`, limits);
    await b.take(`rl:test:${prefix}:one`, limits);
    expect((await a.take(`rl:test:${prefix}:one`, limits)).allowed).toBe(false);
    expect(await b.take(`rl:test:${prefix}:two`, limits)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('loads the script again when Redis lost it (NOSCRIPT)', async () => {
    const a = await replica();
    const key = `rl:test:${uniqueName('noscript')}`;
    await a.take(key, { capacity: 5, refillPerSec: 1 });
    await admin.script('FLUSH');
    expect(await a.take(key, { capacity: 5, refillPerSec: 1 })).toMatchObject({
      allowed: true,
      remaining: 3,
    });
  });

  describe('when Redis is unavailable (fails open to per-replica limits)', () => {
    let blackhole: Server;
    let blackholeUrl: string;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Answers the connection handshake (CLIENT SETINFO, INFO ready check), then nothing: a hung Redis.
      blackhole = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('data', (chunk) => {
          for (const command of chunk.toString().split(/(?=\*\d+\r\n)/)) {
            if (/\r\ninfo\r\n/i.test(command)) socket.write('$11\r\nloading:0\r\n\r\n');
            else if (/\r\nclient\r\n/i.test(command)) socket.write('+OK\r\n');
          }
        });
      });
      await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
      const address = blackhole.address() as { port: number };
      blackholeUrl = `redis://127.0.0.1:${address.port}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    });

    it('answers at once from memory when Redis is down, counting and warning', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
      const store = await replica(`redis://127.0.0.1:${port}`, { connectWaitMs: 200 });
      const key = `rl:test:${uniqueName('down')}`;
      const limits = { capacity: 3, refillPerSec: 0.1 };

      const startedAt = Date.now();
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await store.take(key, limits));
      expect(Date.now() - startedAt).toBeLessThan(500);
      // The API stays up, and the replica still bounds the caller with the same limits.
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
      expect(await registry.getSingleMetricAsString('ratelimit_store_errors_total')).toContain(
        'ratelimit_store_errors_total{store="redis",service="gateway"} 5',
      );
      const warnings = logs.find((l) => String(l.msg).startsWith('rate-limit store:') && l.level === 'warn');
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(3); // throttled, not one per request
    });

    it('does not wait on a hung Redis longer than the command timeout', async () => {
      const store = new RedisRateLimitStore({ url: blackholeUrl, logger, registry, connectWaitMs: 1_000 });
      stores.push(store);
      await store.onModuleInit();
      expect(store.client.status).toBe('ready'); // it answered the ready check, then hangs
      const startedAt = Date.now();
      const result = await store.take(`rl:test:${uniqueName('hung')}`, { capacity: 2, refillPerSec: 1 });
      const elapsed = Date.now() - startedAt;
      expect(result).toMatchObject({ allowed: true, remaining: 1 });
      expect(elapsed).toBeGreaterThanOrEqual(200);
      expect(elapsed).toBeLessThan(1_000);
    });

    it('goes back to the shared buckets when Redis returns', async () => {
      const store = await replica();
      const key = `rl:test:${uniqueName('reconnect')}`;
      const limits = { capacity: 5, refillPerSec: 0.1 };
      await store.take(key, limits);
      // Drop the store's connection from the server side; it reconnects by itself.
      const clientId = await store.client.client('ID');
      await admin.client('KILL', 'ID', String(clientId));
      const during = await store.take(key, limits);
      expect(during.allowed).toBe(true);
      await sleep(1_000);
      expect(store.client.status).toBe('ready');
      const after = await store.take(key, limits);
      expect(after.allowed).toBe(true);
      expect(await admin.exists(key)).toBe(1);
    });
  });
});

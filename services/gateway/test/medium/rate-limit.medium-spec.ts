import { createServer, type Server, type Socket } from 'node:net';
import { createLogger } from '@brainmesh/logging';
import { createMetricsRegistry, type Registry } from '@brainmesh/telemetry';
import { LogCapture, requireInfraEnv, uniqueName } from '@brainmesh/testing';
import Redis from 'ioredis';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-rate-limit.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

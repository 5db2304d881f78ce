import { createServer, type Server, type Socket } from 'node:net';
import { createLogger } from '@brainmesh/logging';
import { createMetricsRegistry, type Registry } from '@brainmesh/telemetry';
import { LogCapture, requireInfraEnv, uniqueName } from '@brainmesh/testing';
import Redis from 'ioredis';
import { cacheKey, chunksToCompletion, completionToChunks, RedisResponseCacheStore } from '../../src/cache';
import type { ChatCompletion } from '../../src/domain/upstream';
import { RedisConnection } from '../../src/repositories/redis-connection.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RedisResponseCacheStore on the real Redis: two stores on two connections stand for two replicas. */
describe('RedisResponseCacheStore on real Redis', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  const logger = createLogger({ service: 'ai-routing', level: 'info', destination: logs });
  const connections: RedisConnection[] = [];
  let admin: Redis;
  let registry: Registry;
  let prefix: string;

  const replica = async (
    url = infra.redisUrl,
    options: { commandTimeoutMs?: number; maxEntryBytes?: number } = {},
  ): Promise<RedisResponseCacheStore> => {
    const connection = new RedisConnection(url, { logger, commandTimeoutMs: options.commandTimeoutMs });
    connections.push(connection);
    await connection.connect(1_000);
    return new RedisResponseCacheStore({
      connection,
      logger,
      registry,
      keyPrefix: prefix,
      maxEntryBytes: options.maxEntryBytes,
    });
  };
  const keyFor = (tenantId: string, content: string) =>
    cacheKey({
      tenantId,
      routeId: 'route-1',
      kind: 'chat',
      body: { model: 'gpt-4o', messages: [{ role: 'user', content }] },
    });

  beforeAll(() => {
    admin = new Redis(infra.redisUrl);
  });
  beforeEach(() => {
    registry = createMetricsRegistry('ai-routing', { defaultMetrics: false });
    prefix = `${uniqueName('cache')}:`;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('shares entries between replicas under the tenant prefix, with the TTL on the Redis key', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = keyFor('tenant-1', 'hello');
    const completion: ChatCompletion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hi! ✓' }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    };
    // A streamed answer is stored as the completion it assembles to, and replays as the same stream.
    const streamed = completionToChunks(completion, { includeUsage: true });
    await a.set(key, JSON.stringify(chunksToCompletion(streamed)), 60);

    const cached = await b.get(key);
    expect(cached).toBeDefined();
    expect(JSON.parse(cached!)).toEqual(completion);
    expect(completionToChunks(JSON.parse(cached!) as ChatCompletion, { includeUsage: true })).toEqual(
      streamed,
    );

    expect(key).toMatch(/^tenant-1:[0-9a-f]{64}$/);
    const ttlMs = await admin.pttl(`${prefix}${key}`);
    expect(ttlMs).toBeGreaterThan(58_000);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    expect(await b.get(keyFor('tenant-2', 'hello'))).toBeUndefined();
  });

  it('expires entries with their TTL and honours the read max-age', async () => {
    const store = await replica();
    const short = keyFor('tenant-1', 'short');
    const long = keyFor('tenant-1', 'long');
    await store.set(short, 'S', 1);
    await store.set(long, 'L', 60);
    await store.set(keyFor('tenant-1', 'never'), 'N', 0);
    expect(await admin.exists(`${prefix}${keyFor('tenant-1', 'never')}`)).toBe(0);
    await sleep(1_100);
    expect(await store.get(short)).toBeUndefined();
    expect(await store.get(long, 1)).toBeUndefined(); // older than the client accepts
    expect(await store.get(long, 60)).toBe('L');
    expect(await store.get(long)).toBe('L');
  });

  it('does not store values over maxEntryBytes', async () => {
    const store = await replica(infra.redisUrl, { maxEntryBytes: 100 });
    const key = keyFor('tenant-1', 'big');
    await store.set(key, 'x'.repeat(101), 60);
    expect(await admin.exists(`${prefix}${key}`)).toBe(0);
    await store.set(key, 'x'.repeat(100), 60);
    expect(await store.get(key)).toBe('x'.repeat(100));
  });

  it("lists and flushes one tenant's entries only (tenant ids with ':' and glob characters too)", async () => {
    const store = await replica();
    const tenants = ['t1', 't1:sub', 't*', 't10'];
    for (const tenant of tenants) {
      for (let i = 0; i < 3; i++) await store.set(keyFor(tenant, `q${i}`), `${tenant}-${i}`, 60);
    }
    expect((await store.listTenant('t*')).sort()).toEqual([0, 1, 2].map((i) => keyFor('t*', `q${i}`)).sort());
    expect(await store.listTenant('t1', 2)).toHaveLength(2);
    expect(await store.flushTenant('t1')).toBe(3);
    expect(await store.get(keyFor('t1', 'q0'))).toBeUndefined();
    for (const tenant of ['t1:sub', 't*', 't10'])
      expect(await store.get(keyFor(tenant, 'q0'))).toBe(`${tenant}-0`);
    expect(await store.flushTenant('t1')).toBe(0);
  });

  describe('when Redis is unavailable (misses, never fails)', () => {
    let blackhole: Server;
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
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    });

    it('answers a miss at once when Redis is down, counting and warning once', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
      const store = await replica(`redis://127.0.0.1:${port}`);
      const key = keyFor('tenant-1', 'down');

      const startedAt = Date.now();
      for (let i = 0; i < 3; i++) {
        await expect(store.set(key, 'v', 60)).resolves.toBeUndefined();
        expect(await store.get(key)).toBeUndefined();
      }
      expect(Date.now() - startedAt).toBeLessThan(500);
      const metric = await registry.getSingleMetricAsString('ai_response_cache_store_errors_total');
      expect(metric).toContain('ai_response_cache_store_errors_total{op="set",service="ai-routing"} 3');
      expect(metric).toContain('ai_response_cache_store_errors_total{op="get",service="ai-routing"} 3');
      const warnings = logs.find((l) => String(l.msg).startsWith('response cache:') && l.level === 'warn');
      expect(warnings).toHaveLength(1);
    });

    it('does not wait on a hung Redis longer than the command timeout', async () => {
      const port = (blackhole.address() as { port: number }).port;
      const store = await replica(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 200 });
      const startedAt = Date.now();
      expect(await store.get(keyFor('tenant-1', 'hung'))).toBeUndefined();
      const elapsed = Date.now() - startedAt;
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(1_000);
    });
  });
});

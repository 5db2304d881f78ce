import { createServer } from 'node:net';
import { createLogger } from '@brainmesh/logging';
import { createMetricsRegistry, type Registry } from '@brainmesh/telemetry';
import { LogCapture, requireInfraEnv, uniqueName } from '@brainmesh/testing';
import Redis from 'ioredis';
import {
  RedisAdmissionStore,
  type LeaseThresholdCrossing,
  type RedisAdmissionStoreOptions,
  type AdmissionRequest,
  type AdmissionResult,
  type BudgetCheck,
  type Reservation,
} from '../../src/admission';
import { LEASE_SCRIPT } from '../../src/admission/admission.lua';
import { evalScript, RedisConnection } from '../../src/repositories/redis-connection.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function granted(result: AdmissionResult): Reservation {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result)}`);
  return result.reservation;
}

/** The current UTC day as a budget period (the counter keys expire after it). */
function today(): Pick<BudgetCheck, 'periodStart' | 'periodEnd'> {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  const end = new Date(start.getTime() + 86_400_000);
  return { periodStart: start.toISOString(), periodEnd: end.toISOString() };
}

/** RedisAdmissionStore on the real Redis: two stores on two connections stand for two replicas. */
describe('RedisAdmissionStore on real Redis', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  const logger = createLogger({ service: 'ai-routing', level: 'info', destination: logs });
  const connections: RedisConnection[] = [];
  const stores: RedisAdmissionStore[] = [];
  let admin: Redis;
  let registry: Registry;
  let ledger: Map<string, number>;
  let loads: string[];
  let prefix: string;

  /** A replica; per-call admission (no budget leases) unless `leases` is given. */
  const replica = async (
    options: { url?: string; reservationTtlMs?: number; leases?: RedisAdmissionStoreOptions['leases'] } = {},
  ): Promise<RedisAdmissionStore> => {
    const connection = new RedisConnection(options.url ?? infra.redisUrl, { logger });
    connections.push(connection);
    await connection.connect(1_000);
    const store = new RedisAdmissionStore({
      connection,
      logger,
      registry,
      keyPrefix: prefix,
      reservationTtlMs: options.reservationTtlMs,
      leases: options.leases ?? false,
      loadSpend: async (budgetId, periodStart) => {
        loads.push(`${budgetId}@${periodStart}`);
        await sleep(20); // a ledger query takes a while: concurrent admits pile up behind it
        return ledger.get(budgetId) ?? 0;
      },
    });
    stores.push(store);
    return store;
  };

  const hard = (budgetId: string, limitMicros: number): BudgetCheck => ({
    budgetId,
    hard: true,
    limitMicros,
    ...today(),
  });
  const soft = (budgetId: string, limitMicros: number): BudgetCheck => ({
    ...hard(budgetId, limitMicros),
    hard: false,
  });
  const request = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
    tenantId: 'tenant-1',
    subjectKey: 'key-1',
    routeId: 'route-1',
    budgets: [],
    estimateMicros: 100,
    estimatedTokens: 10,
    limits: { rpmPerKey: 0, tpmPerKey: 0, rpm: 0, tpm: 0 },
    ...overrides,
  });
  const counterOf = async (budget: BudgetCheck) => {
    const keys = await admin.keys(`${prefix}budget:${budget.budgetId}:*`);
    const counterKey = keys.find((k) => !k.endsWith(':res'))!;
    return { key: counterKey, ...(await admin.hgetall(counterKey)) };
  };

  beforeAll(() => {
    admin = new Redis(infra.redisUrl);
  });
  beforeEach(() => {
    registry = createMetricsRegistry('ai-routing', { defaultMetrics: false });
    ledger = new Map();
    loads = [];
    prefix = `${uniqueName('adm')}:`;
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('admits exactly floor(L/E) of 50 concurrent requests across two replicas, and settles within L', async () => {
    const [a, b] = [await replica(), await replica()];
    const budget = hard('b-concurrent', 1_000_000);
    const estimate = 70_000;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).admit(request({ budgets: [budget], estimateMicros: estimate })),
      ),
    );
    const admitted = results.filter((r) => r.admitted).map(granted);
    expect(admitted).toHaveLength(Math.floor(1_000_000 / estimate)); // 14
    expect(results.filter((r) => !r.admitted)).toEqual(
      Array.from({ length: 36 }, () => ({
        admitted: false,
        reason: 'budget_exceeded',
        budgetId: 'b-concurrent',
        limitMicros: 1_000_000,
        spentMicros: 0,
        reservedMicros: 980_000,
      })),
    );
    // Each replica read the ledger at most once for the counter, however many admits waited on it.
    expect(loads.length).toBeGreaterThanOrEqual(1);
    expect(loads.length).toBeLessThanOrEqual(2);

    // Every call costs its maximum (the estimate): the settled spend stays within the limit.
    await Promise.all(admitted.map((r, i) => (i % 2 === 0 ? a : b).settle(r, estimate, 10)));
    const counter = await counterOf(budget);
    expect(counter).toMatchObject({ spent: '980000', reserved: '0' });
    expect(await admin.zcard(`${counter.key}:res`)).toBe(0);
    // The counter expires after its period (+ 1 h grace), not before.
    const ttlMs = await admin.pttl(counter.key);
    expect(ttlMs).toBeGreaterThan(Date.parse(budget.periodEnd) - Date.now());
    expect(ttlMs).toBeLessThanOrEqual(Date.parse(budget.periodEnd) + 3_600_000 - Date.now() + 1_000);
  });

  it('shares budgets between replicas: one settles, the other sees the spend', async () => {
    const [a, b] = [await replica(), await replica()];
    const tenant = hard('b-tenant', 1_000);
    const key = hard('b-key', 500);
    const r = granted(await a.admit(request({ budgets: [tenant, key], estimateMicros: 400 })));
    // All or nothing: the key budget refuses, the tenant budget keeps only the first hold.
    expect(await b.admit(request({ budgets: [tenant, key], estimateMicros: 200 }))).toMatchObject({
      admitted: false,
      budgetId: 'b-key',
      spentMicros: 0,
      reservedMicros: 400,
    });
    await a.settle(r, 450, 0); // more than estimated
    // A repeat on another replica (e.g. the stream end and the abort handler both settling) is ignored.
    expect(await b.settle(r, 450, 0)).toEqual({ thresholdsCrossed: [] });
    await b.release(r);
    expect(await b.admit(request({ budgets: [tenant], estimateMicros: 551 }))).toMatchObject({
      admitted: false,
      budgetId: 'b-tenant',
      spentMicros: 450,
      reservedMicros: 0,
    });
    granted(await b.admit(request({ budgets: [tenant], estimateMicros: 550 })));
  });

  it('refuses past the per-key RPM on any replica, with the time until a slot frees', async () => {
    const [a, b] = [await replica(), await replica()];
    const req = request({
      routeId: uniqueName('route'),
      limits: { rpmPerKey: 3, tpmPerKey: 0, rpm: 0, tpm: 0 },
    });
    granted(await a.admit(req));
    granted(await b.admit(req));
    granted(await a.admit(req));
    const refused = await b.admit(req);
    expect(refused).toMatchObject({ admitted: false, reason: 'rate_limited', limit: 'rpm', scope: 'key' });
    // One request per 20 s refills; a few ms passed since the first admit.
    const retryAfterMs = (refused as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(19_000);
    expect(retryAfterMs).toBeLessThanOrEqual(20_000);
    // Another key has its own bucket; the bucket key expires when it would be full again.
    granted(await b.admit({ ...req, subjectKey: 'key-2' }));
    const [bucketKey] = await admin.keys(`${prefix}rl:key:*key-1*:rpm`);
    expect(await admin.pttl(bucketKey)).toBeGreaterThan(50_000);
  });

  it('shares the route RPM between keys and replicas', async () => {
    const [a, b] = [await replica(), await replica()];
    const req = request({ limits: { rpmPerKey: 0, tpmPerKey: 0, rpm: 2, tpm: 0 } });
    granted(await a.admit(req));
    granted(await b.admit({ ...req, subjectKey: 'key-2' }));
    expect(await a.admit({ ...req, subjectKey: 'key-3' })).toMatchObject({
      reason: 'rate_limited',
      limit: 'rpm',
      scope: 'route',
    });
  });

  it('corrects the TPM bucket at settle by actual - estimated tokens', async () => {
    const [a, b] = [await replica(), await replica()];
    const req = request({ estimatedTokens: 800, limits: { rpmPerKey: 0, tpmPerKey: 1_000, rpm: 0, tpm: 0 } });
    const r = granted(await a.admit(req));
    expect(await b.admit(req)).toMatchObject({ reason: 'rate_limited', limit: 'tpm', scope: 'key' });
    await a.settle(r, 0, 100); // 700 tokens come back
    const r2 = granted(await b.admit(req));
    await b.settle(r2, 0, 2_800); // 2000 more than taken: the bucket owes about a minute
    const refused = await a.admit({ ...req, estimatedTokens: 1 });
    expect(refused).toMatchObject({ reason: 'rate_limited', limit: 'tpm', scope: 'key' });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(100_000);
  });

  it('reports each threshold exactly once across replicas and concurrent settles', async () => {
    const [a, b] = [await replica(), await replica()];
    const budget = soft('b-soft', 1_000);
    const reservations = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).admit(request({ budgets: [budget], estimateMicros: 50 })),
      ),
    );
    // Soft: never refused, even past the limit.
    expect(reservations.every((r) => r.admitted)).toBe(true);
    const settled = await Promise.all(
      reservations.map((r, i) => (i % 2 === 0 ? a : b).settle(granted(r), 50, 0)),
    );
    const crossed = settled.flatMap((s) => s.thresholdsCrossed);
    expect(crossed).toHaveLength(2);
    expect(crossed).toEqual(
      expect.arrayContaining([
        { budgetId: 'b-soft', threshold: 80, spentMicros: 800, limitMicros: 1_000 },
        { budgetId: 'b-soft', threshold: 100, spentMicros: 1_000, limitMicros: 1_000 },
      ]),
    );
    expect(await counterOf(budget)).toMatchObject({
      spent: '1500',
      reserved: '0',
      t80: '1000',
      t100: '1000',
    });
  });

  it('seeds a missing counter from the SpendLoader once, and again after Redis lost it', async () => {
    const [a, b] = [await replica(), await replica()];
    const budget = hard('b-ledger', 1_000);
    ledger.set('b-ledger', 900);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).admit(request({ budgets: [budget], estimateMicros: 30 })),
      ),
    );
    expect(results.filter((r) => r.admitted)).toHaveLength(3);
    expect(loads.length).toBeLessThanOrEqual(2); // at most once per replica
    expect(await counterOf(budget)).toMatchObject({ spent: '900', reserved: '90' });

    // Redis restarted / evicted the counter: the ledger (which has the settled usage) seeds it again.
    const { key } = await counterOf(budget);
    await admin.del(key, `${key}:res`);
    ledger.set('b-ledger', 990);
    loads = [];
    expect(await a.admit(request({ budgets: [budget], estimateMicros: 11 }))).toMatchObject({
      admitted: false,
      spentMicros: 990,
      reservedMicros: 0,
    });
    expect(loads).toEqual([`b-ledger@${budget.periodStart}`]);
  });

  it('lets the hold of a reservation never settled expire, giving the budget back', async () => {
    const crashed = await replica({ reservationTtlMs: 300 });
    const survivor = await replica({ reservationTtlMs: 300 });
    const budget = hard('b-expiry', 100);
    granted(await crashed.admit(request({ budgets: [budget], estimateMicros: 100 })));
    expect(await survivor.admit(request({ budgets: [budget], estimateMicros: 1 }))).toMatchObject({
      admitted: false,
      reservedMicros: 100,
    });
    await sleep(400);
    const r = granted(await survivor.admit(request({ budgets: [budget], estimateMicros: 100 })));
    await survivor.settle(r, 100, 0);
    expect(await counterOf(budget)).toMatchObject({ spent: '100', reserved: '0' });
  });

  it('loads the scripts again when Redis lost them (NOSCRIPT)', async () => {
    const a = await replica();
    const budget = hard('b-noscript', 1_000);
    granted(await a.admit(request({ budgets: [budget] })));
    await admin.script('FLUSH');
    const r = granted(await a.admit(request({ budgets: [budget] })));
    await admin.script('FLUSH');
    await a.settle(r, 100, 0);
    expect(await counterOf(budget)).toMatchObject({ spent: '100', reserved: '100' });
  });

  it('falls back to a per-replica memory store when Redis is down, counting and warning', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const store = await replica({ url: `redis://127.0.0.1:${port}` });
    const budget = hard('b-down', 250);
    ledger.set('b-down', 50);

    const startedAt = Date.now();
    const results: AdmissionResult[] = [];
    for (let i = 0; i < 4; i++)
      results.push(await store.admit(request({ budgets: [budget], estimateMicros: 100 })));
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    // Still enforced, per replica, seeded from the ledger: 50 + 2 x 100 fit in 250.
    expect(results.map((r) => r.admitted)).toEqual([true, true, false, false]);
    const r = granted(results[0]);
    expect(r.backend).toBe('memory');
    expect((await store.settle(r, 150, 0)).thresholdsCrossed.map((c) => c.threshold)).toEqual([80]);
    expect(await registry.getSingleMetricAsString('ai_admission_store_errors_total')).toContain(
      'ai_admission_store_errors_total{op="admit",service="ai-routing"} 4',
    );
    const warnings = logs.find((l) => String(l.msg).startsWith('admission store:') && l.level === 'warn');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2); // throttled, not one per request
  });
  describe('with budget leases', () => {
    const fast = { syncIntervalMs: 50, idleMs: 150 };

    it('never lets two replicas overshoot a hard budget, and one replica can spend it to the last call', async () => {
      const [a, b] = [await replica({ leases: fast }), await replica({ leases: fast })];
      const budget = hard('b-lease', 1_000_000);
      const estimate = 70_000;
      const admitted: Array<[RedisAdmissionStore, Reservation]> = [];
      const waves = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const store = i % 2 === 0 ? a : b;
          const result = await store.admit(request({ budgets: [budget], estimateMicros: estimate }));
          if (result.admitted) admitted.push([store, result.reservation]);
          return result;
        }),
      );
      // At most floor(L/E) in flight at once, whoever holds the room.
      expect(admitted.length).toBeLessThanOrEqual(Math.floor(1_000_000 / estimate));
      expect(admitted.length).toBeGreaterThan(0);
      for (const r of waves.filter((w) => !w.admitted))
        expect(r).toMatchObject({ reason: 'budget_exceeded', budgetId: 'b-lease', limitMicros: 1_000_000 });
      for (const [store, r] of admitted) await store.settle(r, estimate, 10);
      // Nothing in flight on A: once B's lease shrinks, A alone spends to the last call.
      await sleep(fast.idleMs * 3);
      let more = 0;
      for (;;) {
        const result = await a.admit(request({ budgets: [budget], estimateMicros: estimate }));
        if (!result.admitted) break;
        await a.settle(result.reservation, estimate, 10);
        more += 1;
      }
      expect((admitted.length + more) * estimate).toBeLessThanOrEqual(1_000_000);
      expect(admitted.length + more).toBe(Math.floor(1_000_000 / estimate)); // 14
      await Promise.all([a.close(), b.close()]);
      // Closing reported every settle and gave every lease back.
      const counter = await counterOf(budget);
      expect(counter).toMatchObject({ spent: String((admitted.length + more) * estimate), reserved: '0' });
    });

    it('admits without a Redis call per request and reports the spend within the sync interval', async () => {
      const a = await replica({ leases: fast });
      const evals = jest.spyOn(connections[0].client, 'evalsha');
      const budget = hard('b-calls', 10_000_000);
      for (let i = 0; i < 100; i++) {
        const r = granted(await a.admit(request({ budgets: [budget], estimateMicros: 1_000 })));
        expect(r.backend).toBe('lease');
        await a.settle(r, 400, 10);
      }
      // Per-call admission would be 200 script calls (admit + settle).
      expect(evals.mock.calls.length).toBeLessThan(20);
      await sleep(fast.syncIntervalMs * 4);
      expect(await counterOf(budget)).toMatchObject({ spent: '40000' });
      // A second settle of the same reservation is ignored.
      const r = granted(await a.admit(request({ budgets: [budget], estimateMicros: 1_000 })));
      await a.settle(r, 500, 0);
      await a.settle(r, 500, 0);
      await a.release(r);
      await sleep(fast.syncIntervalMs * 4);
      expect(await counterOf(budget)).toMatchObject({ spent: '40500' });
    });

    it('gives an idle lease back so another replica can use the room', async () => {
      const [a, b] = [await replica({ leases: fast }), await replica({ leases: fast })];
      const budget = hard('b-idle', 100_000);
      const r = granted(await a.admit(request({ budgets: [budget], estimateMicros: 10_000 })));
      await a.settle(r, 10_000, 0);
      // A holds a lease of several estimates; the 90 000 left are not all free for B yet.
      expect(await b.admit(request({ budgets: [budget], estimateMicros: 90_000 }))).toMatchObject({
        admitted: false,
        reason: 'budget_exceeded',
      });
      await sleep(fast.idleMs + fast.syncIntervalMs * 4);
      granted(await b.admit(request({ budgets: [budget], estimateMicros: 90_000 })));
    });

    it('reports each alert threshold once, from the replica whose report crossed it', async () => {
      const crossings: LeaseThresholdCrossing[] = [];
      const onThresholds = (c: LeaseThresholdCrossing[]) => crossings.push(...c);
      const [a, b] = [
        await replica({ leases: { ...fast, onThresholds } }),
        await replica({ leases: { ...fast, onThresholds } }),
      ];
      const budget = soft('b-alerts', 1_000);
      for (let i = 0; i < 12; i++) {
        const store = i % 2 === 0 ? a : b;
        const r = granted(
          await store.admit(request({ tenantId: 't-alerts', budgets: [budget], estimateMicros: 500 })),
        );
        await store.settle(r, 100, 0);
        // The usage ledger has each call too (a counter created now is seeded from it).
        ledger.set('b-alerts', (ledger.get('b-alerts') ?? 0) + 100);
        // Let each report land (soft budgets never refuse); the first one creates the counter from
        // the ledger, before the other replica reports anything.
        await sleep(fast.syncIntervalMs * (i === 0 ? 4 : 1));
      }
      await sleep(fast.syncIntervalMs * 4);
      expect(crossings.map((c) => c.threshold).sort()).toEqual([100, 80]);
      expect(crossings[0]).toMatchObject({
        tenantId: 't-alerts',
        budgetId: 'b-alerts',
        periodStart: budget.periodStart,
        limitMicros: 1_000,
      });
      expect(await counterOf(budget)).toMatchObject({ spent: '1200' });
    });

    it('applies a lowered limit to a replica that holds a lease at once', async () => {
      const a = await replica({ leases: fast });
      const r = granted(
        await a.admit(request({ budgets: [hard('b-edit', 1_000_000)], estimateMicros: 10_000 })),
      );
      await a.settle(r, 10_000, 0);
      // The budget was edited down to 15 000: with 10 000 spent, a 10 000 call no longer fits.
      expect(
        await a.admit(request({ budgets: [hard('b-edit', 15_000)], estimateMicros: 10_000 })),
      ).toMatchObject({
        admitted: false,
        reason: 'budget_exceeded',
        limitMicros: 15_000,
        spentMicros: 10_000,
      });
      granted(await a.admit(request({ budgets: [hard('b-edit', 15_000)], estimateMicros: 5_000 })));
    });

    it('admits two thousand concurrent calls on a large budget without a false refusal', async () => {
      const a = await replica({ leases: fast });
      const budget = hard('b-crowd', 1_000_000_000_000);
      const results = await Promise.all(
        Array.from({ length: 2_000 }, () => a.admit(request({ budgets: [budget], estimateMicros: 1_000 }))),
      );
      expect(results.filter((r) => !r.admitted)).toEqual([]);
    });

    it('applies a lease step once even when it is sent again (its answer was lost)', async () => {
      const budget = hard('b-replay', 1_000_000);
      const store = await replica({ leases: fast });
      granted(await store.admit(request({ budgets: [budget], estimateMicros: 10 }))); // seeds the counter
      const counter = await counterOf(budget);
      const dropAt = String(Date.parse(budget.periodEnd) + 3_600_000);
      // previous member, previous amount, consumed, wanted, minimum, hard, limit, drop-at, lease id,
      // ttl, kept, step number
      const args = ['', '0', '700', '5000', '100', '1', '1000000', dropAt, 'lease:replay', '30000', '0', '1'];
      const keys = [counter.key, `${counter.key}:res`];
      const first = (await evalScript(connections[0].client, LEASE_SCRIPT, keys, args)) as string[];
      const again = (await evalScript(connections[0].client, LEASE_SCRIPT, keys, args)) as string[];
      expect(first.slice(0, 2)).toEqual(['ok', '5000']);
      expect(again.slice(0, 2)).toEqual(['ok', '5000']);
      expect(await counterOf(budget)).toMatchObject({ spent: '700' }); // once, not 1400
      expect(await admin.zscore(`${counter.key}:res`, 'lease:replay|5000')).not.toBeNull();
      // The next step number applies again.
      args[0] = 'lease:replay|5000';
      args[1] = '5000';
      args[11] = '2';
      await evalScript(connections[0].client, LEASE_SCRIPT, keys, args);
      expect(await counterOf(budget)).toMatchObject({ spent: '1400' });
    });

    it('still admits calls with RPM/TPM limits in Redis, one call at a time', async () => {
      const a = await replica({ leases: fast });
      const r = granted(
        await a.admit(
          request({
            budgets: [hard('b-limited', 1_000_000)],
            limits: { rpmPerKey: 10, tpmPerKey: 0, rpm: 0, tpm: 0 },
          }),
        ),
      );
      expect(r.backend).toBe('redis');
    });
  });
});

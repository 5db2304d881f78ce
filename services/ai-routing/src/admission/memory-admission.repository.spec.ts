import type { AdmissionRequest, AdmissionResult, BudgetCheck, Reservation } from './admission.store';
import { SpendLoadError } from './admission.store';
import { MemoryAdmissionStore } from './memory-admission.repository';

const DAY: Pick<BudgetCheck, 'periodStart' | 'periodEnd'> = {
  periodStart: '2030-01-01T00:00:00.000Z',
  periodEnd: '2030-01-02T00:00:00.000Z',
};
const T0 = Date.parse('2030-01-01T12:00:00.000Z');

const hard = (budgetId: string, limitMicros: number): BudgetCheck => ({
  budgetId,
  hard: true,
  limitMicros,
  ...DAY,
});
const soft = (budgetId: string, limitMicros: number): BudgetCheck => ({
  budgetId,
  hard: false,
  limitMicros,
  ...DAY,
});

const request = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  tenantId: 't1',
  subjectKey: 'key1',
  routeId: 'r1',
  budgets: [],
  estimateMicros: 100,
  estimatedTokens: 10,
  limits: { rpmPerKey: 0, tpmPerKey: 0, rpm: 0, tpm: 0 },
  ...overrides,
});

function granted(result: AdmissionResult): Reservation {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result)}`);
  return result.reservation;
}

describe('MemoryAdmissionStore', () => {
  let now: number;
  let ledger: Map<string, number>;
  let loads: string[];
  let store: MemoryAdmissionStore;

  const makeStore = (options: { reservationTtlMs?: number } = {}) =>
    new MemoryAdmissionStore({
      now: () => now,
      loadSpend: async (budgetId, periodStart) => {
        loads.push(`${budgetId}@${periodStart}`);
        return ledger.get(budgetId) ?? 0;
      },
      ...options,
    });

  beforeEach(() => {
    now = T0;
    ledger = new Map();
    loads = [];
    store = makeStore();
  });

  describe('budgets', () => {
    it('admits exactly floor(limit / estimate) of many concurrent requests on a hard budget', async () => {
      const budget = hard('b1', 1_000);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.admit(request({ budgets: [budget], estimateMicros: 70 }))),
      );
      const admitted = results.filter((r) => r.admitted);
      expect(admitted).toHaveLength(14);
      expect(results.find((r) => !r.admitted)).toEqual({
        admitted: false,
        reason: 'budget_exceeded',
        budgetId: 'b1',
        limitMicros: 1_000,
        spentMicros: 0,
        reservedMicros: 980,
      });
      // The ledger was read once for the counter, although 50 admits needed it at the same time.
      expect(loads).toEqual(['b1@2030-01-01T00:00:00.000Z']);
    });

    it('seeds a missing counter from the SpendLoader and counts that spend against the limit', async () => {
      ledger.set('b1', 950);
      const refused = await store.admit(request({ budgets: [hard('b1', 1_000)], estimateMicros: 60 }));
      expect(refused).toMatchObject({ admitted: false, reason: 'budget_exceeded', spentMicros: 950 });
      expect(
        granted(await store.admit(request({ budgets: [hard('b1', 1_000)], estimateMicros: 50 }))),
      ).toBeDefined();
      expect(loads).toHaveLength(1);
    });

    it('keeps separate counters per period', async () => {
      const jan = hard('b1', 100);
      const feb = { ...jan, periodStart: '2030-02-01T00:00:00.000Z', periodEnd: '2030-03-01T00:00:00.000Z' };
      granted(await store.admit(request({ budgets: [jan], estimateMicros: 100 })));
      expect((await store.admit(request({ budgets: [jan], estimateMicros: 1 }))).admitted).toBe(false);
      granted(await store.admit(request({ budgets: [feb], estimateMicros: 100 })));
      expect(loads).toEqual(['b1@2030-01-01T00:00:00.000Z', 'b1@2030-02-01T00:00:00.000Z']);
    });

    it('is all or nothing: a refusal on one hard budget reserves nothing on the others', async () => {
      const tenant = hard('tenant', 1_000);
      const key = hard('key', 150);
      granted(await store.admit(request({ budgets: [tenant, key], estimateMicros: 100 })));
      const refused = await store.admit(request({ budgets: [tenant, key], estimateMicros: 100 }));
      expect(refused).toMatchObject({ admitted: false, budgetId: 'key', reservedMicros: 100 });
      // The tenant budget holds only the first request: 900 more fit.
      granted(await store.admit(request({ budgets: [tenant], estimateMicros: 900 })));
      expect((await store.admit(request({ budgets: [tenant], estimateMicros: 1 }))).admitted).toBe(false);
    });

    it('never refuses on a soft budget but charges it', async () => {
      const budget = soft('s1', 100);
      const first = granted(await store.admit(request({ budgets: [budget], estimateMicros: 80 })));
      const second = granted(await store.admit(request({ budgets: [budget], estimateMicros: 80 })));
      expect((await store.settle(first, 80, 10)).thresholdsCrossed).toEqual([
        { budgetId: 's1', threshold: 80, spentMicros: 80, limitMicros: 100 },
      ]);
      expect((await store.settle(second, 80, 10)).thresholdsCrossed).toEqual([
        { budgetId: 's1', threshold: 100, spentMicros: 160, limitMicros: 100 },
      ]);
    });

    it('settles the actual cost (more than the estimate too) and frees the hold', async () => {
      const budget = hard('b1', 1_000);
      const r = granted(await store.admit(request({ budgets: [budget], estimateMicros: 500 })));
      await store.settle(r, 700, 10);
      expect(await store.admit(request({ budgets: [budget], estimateMicros: 301 }))).toMatchObject({
        admitted: false,
        spentMicros: 700,
        reservedMicros: 0,
      });
      granted(await store.admit(request({ budgets: [budget], estimateMicros: 300 })));
    });

    it('release frees the hold without charging, and a second settle/release is ignored', async () => {
      const budget = hard('b1', 100);
      const r = granted(await store.admit(request({ budgets: [budget], estimateMicros: 100 })));
      await store.release(r);
      await store.release(r);
      expect(await store.settle(r, 100, 0)).toEqual({ thresholdsCrossed: [] });
      const again = granted(await store.admit(request({ budgets: [budget], estimateMicros: 100 })));
      await store.settle(again, 60, 0);
      await store.settle(again, 60, 0);
      expect(await store.admit(request({ budgets: [budget], estimateMicros: 41 }))).toMatchObject({
        admitted: false,
        spentMicros: 60,
      });
    });

    it('reports each threshold once per period, both at once when one settle jumps past 100 %', async () => {
      const budget = hard('b1', 1_000);
      const big = granted(await store.admit(request({ budgets: [budget], estimateMicros: 1_000 })));
      expect((await store.settle(big, 1_000, 0)).thresholdsCrossed.map((c) => c.threshold)).toEqual([
        80, 100,
      ]);
      const sBudget = soft('b1', 1_000);
      const more = granted(await store.admit(request({ budgets: [sBudget], estimateMicros: 10 })));
      expect((await store.settle(more, 10, 0)).thresholdsCrossed).toEqual([]);
    });

    it('alerts again when the limit was raised and the new threshold is crossed', async () => {
      const r1 = granted(await store.admit(request({ budgets: [soft('b1', 100)], estimateMicros: 90 })));
      expect((await store.settle(r1, 90, 0)).thresholdsCrossed.map((c) => c.threshold)).toEqual([80]);
      const r2 = granted(await store.admit(request({ budgets: [soft('b1', 200)], estimateMicros: 80 })));
      expect((await store.settle(r2, 80, 0)).thresholdsCrossed).toEqual([
        { budgetId: 'b1', threshold: 80, spentMicros: 170, limitMicros: 200 },
      ]);
    });

    it('drops the hold of a reservation never settled once its TTL is over', async () => {
      store = makeStore({ reservationTtlMs: 60_000 });
      const budget = hard('b1', 100);
      const stale = granted(await store.admit(request({ budgets: [budget], estimateMicros: 100 })));
      expect(stale.expiresAtMs).toBe(T0 + 60_000);
      now += 59_999;
      expect((await store.admit(request({ budgets: [budget], estimateMicros: 1 }))).admitted).toBe(false);
      now += 1;
      granted(await store.admit(request({ budgets: [budget], estimateMicros: 100 })));
      // A late settle still charges the actual cost (the call did happen).
      await store.settle(stale, 30, 0);
      expect(await store.admit(request({ budgets: [budget], estimateMicros: 1 }))).toMatchObject({
        admitted: false,
        spentMicros: 30,
        reservedMicros: 100,
      });
    });

    it('rejects with SpendLoadError and admits nothing when the ledger cannot be read', async () => {
      const failing = new MemoryAdmissionStore({
        now: () => now,
        loadSpend: () => Promise.reject(new Error('db down')),
      });
      await expect(failing.admit(request({ budgets: [hard('b1', 100)] }))).rejects.toBeInstanceOf(
        SpendLoadError,
      );
      expect(failing.sizes).toEqual({ counters: 0, buckets: 0 });
    });

    it('refuses invalid amounts and periods', async () => {
      await expect(store.admit(request({ estimateMicros: -1 }))).rejects.toThrow(RangeError);
      await expect(
        store.admit(request({ budgets: [{ ...hard('b1', 1), periodEnd: 'soon' }] })),
      ).rejects.toThrow(/periodEnd/);
    });

    it('drops counters after their period (+ grace)', async () => {
      store = new MemoryAdmissionStore({
        now: () => now,
        periodGraceMs: 0,
        sweepIntervalMs: 1,
        loadSpend: async () => 0,
      });
      granted(await store.admit(request({ budgets: [hard('b1', 100)] })));
      expect(store.sizes.counters).toBe(1);
      now = Date.parse(DAY.periodEnd) + 61_000;
      await store.admit(request({ budgets: [hard('b2', 100)] }));
      expect(store.sizes.counters).toBe(1);
    });
  });

  describe('rate limits', () => {
    const limits = (l: Partial<AdmissionRequest['limits']>) => ({
      rpmPerKey: 0,
      tpmPerKey: 0,
      rpm: 0,
      tpm: 0,
      ...l,
    });

    it('refuses past the per-key RPM with the time until one request fits', async () => {
      const req = request({ limits: limits({ rpmPerKey: 3 }) });
      for (let i = 0; i < 3; i++) granted(await store.admit(req));
      expect(await store.admit(req)).toEqual({
        admitted: false,
        reason: 'rate_limited',
        limit: 'rpm',
        scope: 'key',
        retryAfterMs: 20_000,
      });
      // Another key on the same route has its own bucket.
      granted(await store.admit({ ...req, subjectKey: 'key2' }));
      now += 20_000;
      granted(await store.admit(req));
    });

    it('shares the route RPM between keys', async () => {
      const req = request({ limits: limits({ rpm: 2 }) });
      granted(await store.admit(req));
      granted(await store.admit({ ...req, subjectKey: 'key2' }));
      expect(await store.admit({ ...req, subjectKey: 'key3' })).toMatchObject({
        reason: 'rate_limited',
        limit: 'rpm',
        scope: 'route',
        retryAfterMs: 30_000,
      });
    });

    it('reports the slowest bucket when several refuse, and takes nothing on refusal', async () => {
      const req = request({ estimatedTokens: 600, limits: limits({ rpmPerKey: 1, tpm: 1_000 }) });
      granted(await store.admit(req));
      // key rpm needs 60 s, route tpm needs (600 - 400) / 1000 min = 12 s: the key rpm is reported.
      expect(await store.admit(req)).toMatchObject({ limit: 'rpm', scope: 'key', retryAfterMs: 60_000 });
      // The refused admit took no route TPM: another key still gets 400 tokens.
      granted(await store.admit({ ...req, subjectKey: 'key2', estimatedTokens: 400 }));
    });

    it('corrects the TPM buckets at settle by actual - estimated tokens', async () => {
      const req = request({ estimatedTokens: 800, limits: limits({ tpmPerKey: 1_000 }) });
      const r = granted(await store.admit(req));
      expect(r.tpmTaken).toEqual({ key: 800, route: 0 });
      await store.settle(r, 0, 100); // 700 tokens come back
      granted(await store.admit(req));
      const r2 = granted(await store.admit({ ...req, estimatedTokens: 100 }));
      await store.settle(r2, 0, 1_100); // 1000 more than taken: the bucket is in debt
      expect(await store.admit({ ...req, estimatedTokens: 1 })).toMatchObject({
        limit: 'tpm',
        scope: 'key',
        // 1000 - 800 + 700 (refund) - 800 - 100 - 1000 (debt) = -1000: 1001 tokens at 1000/min.
        retryAfterMs: 60_060,
      });
    });

    it('admits a request larger than a minute of TPM once the bucket is full', async () => {
      const req = request({ estimatedTokens: 5_000, limits: limits({ tpm: 1_000 }) });
      const r = granted(await store.admit(req));
      expect(r.tpmTaken).toEqual({ key: 0, route: 1_000 });
      expect(await store.admit(req)).toMatchObject({ limit: 'tpm', scope: 'route', retryAfterMs: 60_000 });
    });

    it('release gives the TPM tokens back but not the RPM slot', async () => {
      const req = request({ estimatedTokens: 1_000, limits: limits({ rpmPerKey: 2, tpmPerKey: 1_000 }) });
      await store.release(granted(await store.admit(req)));
      granted(await store.admit(req));
      expect(await store.admit(req)).toMatchObject({ limit: 'tpm' });
      expect(await store.admit({ ...req, estimatedTokens: 0 })).toMatchObject({ limit: 'rpm', scope: 'key' });
    });
  });
});

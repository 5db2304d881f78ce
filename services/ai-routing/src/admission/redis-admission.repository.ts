import { randomUUID } from 'node:crypto';
import type { Logger } from '@brainmesh/logging';
import { counter, type Registry } from '@brainmesh/telemetry';
import { evalScript, type RedisConnection } from '../repositories/redis-connection.repository';
import { ADMIT_SCRIPT, INIT_SCRIPT, SETTLE_SCRIPT } from './admission.lua';
import { BUCKETS, bucketCapacities, bucketKeys, budgetKey, reservationsKey } from './admission.keys';
import {
  AdmissionStore,
  SpendLoadError,
  epochMs,
  tokensToTake,
  wholeAmount,
  type AdmissionRequest,
  type AdmissionResult,
  type BudgetCheck,
  type Reservation,
  type SettleResult,
  type SpendLoader,
  type ThresholdCrossing,
} from './admission.store';
import { BudgetLeases, type BudgetLeasesOptions } from './budget-leases';
import { MemoryAdmissionStore } from './memory-admission.repository';

/** Options of {@link RedisAdmissionStore}. */
export interface RedisAdmissionStoreOptions {
  /** Shared with the response cache; the store never closes it (its owner does). */
  connection: RedisConnection;
  /** Seeds a budget counter missing in Redis (first use, restart, eviction). */
  loadSpend: SpendLoader;
  logger: Logger;
  /** Where `ai_admission_store_errors_total` is registered (omit in tests that do not care). */
  registry?: Registry;
  /**
   * Prefix of every key. In Redis Cluster all keys of one admit must share a slot: use a hash tag,
   * e.g. `{ai:adm}:` (all admission keys then live on one shard). Default `ai:adm:`.
   */
  keyPrefix?: string;
  /** A reservation never settled stops holding budget after this long. Default 15 min. */
  reservationTtlMs?: number;
  /** A budget counter lives this long past its period's end. Default 1 h. */
  periodGraceMs?: number;
  /** Answers while Redis is unavailable; a per-replica {@link MemoryAdmissionStore} by default. */
  fallback?: AdmissionStore;
  /** At most one warning per this interval while Redis keeps failing. Default 30 s. */
  warnIntervalMs?: number;
  /**
   * Budget leases for calls with budgets and no RPM/TPM limit (see {@link BudgetLeases}): no Redis
   * round trip per call. `false` admits and settles every call in Redis (exact, two round trips).
   */
  leases?:
    | Pick<BudgetLeasesOptions, 'syncIntervalMs' | 'ttlMs' | 'idleMs' | 'callsPerLease' | 'onThresholds'>
    | false;
}

type Reply = string[];

/**
 * Budgets and RPM/TPM buckets in Redis, shared by every ai-routing replica. Each admit is one
 * EVALSHA of a Lua script over all the keys involved (budget counters, their holds, four buckets),
 * so concurrent admits on any replicas can never together overshoot a hard budget or a bucket.
 * A budget counter missing in Redis is seeded first: the script answers `init`, this store loads
 * the spend from the {@link SpendLoader} (once per counter per replica at a time) and creates the
 * counter only if still absent (first seeder wins), then runs the admit again.
 *
 * When Redis is unavailable (down, unreachable, slower than the connection's command timeout) the
 * service stays up: admits fall back to a per-replica in-memory store with the same rules, so
 * budgets and limits are then enforced **per replica** (N replicas may together spend up to N times
 * a budget until Redis is back). Each failure counts in `ai_admission_store_errors_total{op}` and a
 * warning is logged at most once per `warnIntervalMs`. A settle that cannot reach Redis is lost for
 * the counter (the hold expires with its TTL; the durable ledger still has the usage).
 */
export class RedisAdmissionStore extends AdmissionStore {
  private readonly connection: RedisConnection;
  private readonly loadSpend: SpendLoader;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly reservationTtlMs: number;
  private readonly periodGraceMs: number;
  private readonly fallback: AdmissionStore;
  private readonly warnIntervalMs: number;
  private readonly errors?: ReturnType<typeof counter<'op'>>;
  private readonly loading = new Map<string, Promise<number>>();
  private readonly leases?: BudgetLeases;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(options: RedisAdmissionStoreOptions) {
    super();
    this.connection = options.connection;
    this.loadSpend = options.loadSpend;
    this.logger = options.logger;
    this.prefix = options.keyPrefix ?? 'ai:adm:';
    this.reservationTtlMs = options.reservationTtlMs ?? 15 * 60_000;
    this.periodGraceMs = options.periodGraceMs ?? 60 * 60_000;
    this.warnIntervalMs = options.warnIntervalMs ?? 30_000;
    this.fallback =
      options.fallback ??
      new MemoryAdmissionStore({
        loadSpend: options.loadSpend,
        reservationTtlMs: this.reservationTtlMs,
        periodGraceMs: this.periodGraceMs,
      });
    if (options.registry) {
      this.errors = counter(
        options.registry,
        'ai_admission_store_errors_total',
        'Admission operations Redis could not serve (admits were answered by the per-replica fallback)',
        ['op'],
      );
    }
    if (options.leases !== false) {
      this.leases = new BudgetLeases({
        ...options.leases,
        connection: this.connection,
        prefix: this.prefix,
        seed: (budget) => this.seed(budget, this.dropAtMs(budget)),
        dropAtMs: (budget) => this.dropAtMs(budget),
        onError: (op, err) => {
          this.errors?.inc({ op });
          this.warn(err as Error, `admission store: Redis unavailable (budget ${op})`);
        },
      });
    }
  }

  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    const estimate = wholeAmount(req.estimateMicros, 'estimateMicros');
    const tokens = wholeAmount(req.estimatedTokens, 'estimatedTokens');
    const dropAt = req.budgets.map((b) => this.dropAtMs(b));
    const caps = bucketCapacities(req.limits);
    if (this.leases && req.budgets.length > 0 && caps.every((cap) => cap === 0)) {
      void this.connection.ensureConnecting();
      // undefined: Redis failed (counted and warned by onError); SpendLoadError propagates.
      return (await this.leases.admit(req, estimate)) ?? this.fallback.admit(req);
    }
    const costs = caps.map((cap, i) => (BUCKETS[i].limit === 'rpm' ? 1 : tokensToTake(tokens, cap)));
    const id = randomUUID();
    const keys = [
      ...req.budgets.flatMap((b) => [budgetKey(this.prefix, b), reservationsKey(this.prefix, b)]),
    ];
    keys.push(...bucketKeys(this.prefix, req));
    const args = [id, String(estimate), String(this.reservationTtlMs), String(req.budgets.length)];
    req.budgets.forEach((b, i) => args.push(b.hard ? '1' : '0', String(b.limitMicros), String(dropAt[i])));
    caps.forEach((cap, i) => args.push(String(cap), String(costs[i])));

    void this.connection.ensureConnecting();
    for (let attempt = 0; attempt < 4; attempt++) {
      let reply: Reply;
      try {
        reply = (await evalScript(this.connection.client, ADMIT_SCRIPT, keys, args)) as Reply;
      } catch (err) {
        return this.fallBack('admit', err, req);
      }
      switch (reply[0]) {
        case 'ok': {
          const expiresAtMs = Number(reply[1]);
          return {
            admitted: true,
            reservation: {
              id,
              backend: 'redis',
              tenantId: req.tenantId,
              subjectKey: req.subjectKey,
              routeId: req.routeId,
              budgets: req.budgets.map((b) => ({ ...b })),
              estimateMicros: estimate,
              tpmTaken: { key: costs[1], route: costs[3] },
              limits: { ...req.limits },
              expiresAtMs,
            },
          };
        }
        case 'budget': {
          const budget = req.budgets[Number(reply[1]) - 1];
          return {
            admitted: false,
            reason: 'budget_exceeded',
            budgetId: budget.budgetId,
            limitMicros: budget.limitMicros,
            spentMicros: Number(reply[2]),
            reservedMicros: Number(reply[3]),
          };
        }
        case 'rate':
          return {
            admitted: false,
            reason: 'rate_limited',
            ...BUCKETS[Number(reply[1]) - 1],
            retryAfterMs: Number(reply[2]),
          };
        case 'init': {
          const missing = reply.slice(1).map((i) => Number(i) - 1);
          try {
            await Promise.all(missing.map((i) => this.seed(req.budgets[i], dropAt[i])));
          } catch (err) {
            // SpendLoadError propagates (nothing admitted); a Redis error falls back.
            if (err instanceof SpendLoadError) throw err;
            return this.fallBack('admit', err, req);
          }
          break;
        }
        default:
          throw new Error(`unexpected admit script reply ${JSON.stringify(reply)}`);
      }
    }
    // Counters keep vanishing between seeding and admitting (eviction under memory pressure?).
    return this.fallBack('admit', new Error('budget counters vanish as soon as they are seeded'), req);
  }

  async settle(reservation: Reservation, actualMicros: number, actualTokens: number): Promise<SettleResult> {
    if (reservation.backend === 'lease') {
      // The hold is freed even for a garbage amount (which still throws); thresholds crossed are
      // reported by the lease's next sync (`leases.onThresholds`).
      this.leases?.settle(reservation, actualMicros);
      wholeAmount(actualMicros, 'actualMicros');
      return { thresholdsCrossed: [] };
    }
    if (reservation.backend === 'memory')
      return this.fallback.settle(reservation, actualMicros, actualTokens);
    const micros = wholeAmount(actualMicros, 'actualMicros');
    const tokens = wholeAmount(actualTokens, 'actualTokens');
    return { thresholdsCrossed: await this.settleInRedis('settle', reservation, micros, tokens) };
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.backend === 'lease') return this.leases?.settle(reservation, 0);
    if (reservation.backend === 'memory') return this.fallback.release(reservation);
    await this.settleInRedis('release', reservation, 0, 0);
  }

  /** Gives the leases back and closes the fallback; the connection belongs to whoever created it. */
  async close(): Promise<void> {
    await this.leases?.close();
    await this.fallback.close();
  }

  private dropAtMs(budget: BudgetCheck): number {
    return epochMs(budget.periodEnd, 'periodEnd') + this.periodGraceMs;
  }

  /** Creates a missing budget counter from the ledger's spend (first seeder wins). */
  private async seed(budget: BudgetCheck, dropAt: number): Promise<void> {
    const spent = await this.spendOnce(budget);
    await evalScript(
      this.connection.client,
      INIT_SCRIPT,
      [budgetKey(this.prefix, budget), reservationsKey(this.prefix, budget)],
      [String(spent), String(dropAt)],
    );
  }

  private async settleInRedis(
    op: 'settle' | 'release',
    reservation: Reservation,
    micros: number,
    tokens: number,
  ): Promise<ThresholdCrossing[]> {
    const { budgets } = reservation;
    const keys = budgets.flatMap((b) => [budgetKey(this.prefix, b), reservationsKey(this.prefix, b)]);
    const [, keyTpm, , routeTpm] = bucketKeys(this.prefix, reservation);
    keys.push(keyTpm, routeTpm);
    const caps = bucketCapacities(reservation.limits);
    const estimate = String(reservation.estimateMicros);
    const args = [
      `${reservation.id}|${estimate}`,
      estimate,
      String(micros),
      op === 'settle' ? '1' : '0',
      String(reservation.expiresAtMs),
      String(budgets.length),
      ...budgets.map((b) => String(b.limitMicros)),
      String(caps[1]),
      String(tokens - reservation.tpmTaken.key),
      String(caps[3]),
      String(tokens - reservation.tpmTaken.route),
    ];
    let reply: Reply;
    try {
      void this.connection.ensureConnecting();
      reply = (await evalScript(this.connection.client, SETTLE_SCRIPT, keys, args)) as Reply;
    } catch (err) {
      this.errors?.inc({ op });
      this.warn(
        err as Error,
        `admission store: Redis unavailable; ${op} of reservation lost for the counters`,
      );
      return [];
    }
    const crossed: ThresholdCrossing[] = [];
    for (let n = 0; n + 2 < reply.length; n += 3) {
      const budget = budgets[Number(reply[n]) - 1];
      crossed.push({
        budgetId: budget.budgetId,
        threshold: reply[n + 1] === '80' ? 80 : 100,
        spentMicros: Number(reply[n + 2]),
        limitMicros: budget.limitMicros,
      });
    }
    return crossed;
  }

  /** The ledger's spend for a counter; concurrent admits of this replica share one load. */
  private spendOnce(budget: BudgetCheck): Promise<number> {
    const key = budgetKey('', budget);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.loadSpend(budget.budgetId, budget.periodStart)
        .then(
          (spent) => wholeAmount(spent, 'loaded spend'),
          (err: unknown) => {
            throw new SpendLoadError(budget.budgetId, budget.periodStart, err);
          },
        )
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private fallBack(op: 'admit', err: unknown, req: AdmissionRequest): Promise<AdmissionResult> {
    this.errors?.inc({ op });
    this.warn(err as Error, 'admission store: Redis unavailable; budgets and limits are per replica');
    return this.fallback.admit(req);
  }

  private warn(err: Error, message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) {
      this.suppressed += 1;
      return;
    }
    this.logger.warn({ err: { message: err.message }, suppressed: this.suppressed }, message);
    this.lastWarnAt = now;
    this.suppressed = 0;
  }
}

import { randomUUID } from 'node:crypto';
import { evalScript, type RedisConnection } from '../repositories/redis-connection.repository';
import { LEASE_SCRIPT } from './admission.lua';
import { budgetKey, reservationsKey } from './admission.keys';
import {
  SpendLoadError,
  type AdmissionRequest,
  type AdmissionResult,
  type BudgetCheck,
  type Reservation,
  type ThresholdCrossing,
} from './admission.store';

/** A budget threshold crossed by spend a replica reported (alerts go out from there). */
export interface LeaseThresholdCrossing extends ThresholdCrossing {
  tenantId: string;
  periodStart: string;
}

export interface BudgetLeasesOptions {
  connection: RedisConnection;
  /** Key prefix shared with the per-call admission keys (same counters, same holds). */
  prefix: string;
  /** Creates a budget counter missing in Redis (from the ledger). Rejects with SpendLoadError or a Redis error. */
  seed: (budget: BudgetCheck) => Promise<void>;
  /** Epoch ms after which a budget period's holds key may be dropped (period end + grace). */
  dropAtMs: (budget: BudgetCheck) => number;
  /** Redis failed (admits then fall back; reports are retried at the next sync). */
  onError: (op: 'lease' | 'report', err: unknown) => void;
  /** Thresholds (80/100 %) crossed by reported spend. */
  onThresholds?: (crossings: LeaseThresholdCrossing[]) => void;
  /** How often local spend is reported and leases resized. Default 100 ms. */
  syncIntervalMs?: number;
  /** A lease not renewed for this long (replica gone) is dropped by Redis. Default 30 s. */
  ttlMs?: number;
  /** A lease with no admit for this long shrinks to what calls in flight hold. Default 1 s. */
  idleMs?: number;
  /** Room a lease asks for beyond its calls in flight, in worst-case estimates. Default 8. */
  callsPerLease?: number;
}

/** One replica's lease on one budget counter (one budget, one period). */
interface Lease {
  key: string;
  holdsKey: string;
  check: BudgetCheck;
  tenantId: string;
  id: string;
  /** Micros held in Redis for this replica (the holds member `<id>|<granted>`). */
  granted: number;
  member: string;
  /** Worst-case estimates of the calls admitted here and not settled yet. */
  inFlight: number;
  /** Spend settled here and not yet added to the counter in Redis. */
  unreported: number;
  /** The most in flight since the last step (sizes the next lease). */
  peak: number;
  /** The last admit's estimate (sizes the next lease). */
  lastEstimate: number;
  lastAdmitMs: number;
  renewAtMs: number;
  /** The hold in Redis is gone after this (its ttl, counted from the step's start): no room then. */
  expiresAtMs: number;
  /** Steps sent so far; each carries its number so a retried step is applied once. */
  seq: number;
  /**
   * A step whose answer was lost (Redis may or may not have applied it): it is sent again, as is,
   * before anything else, and the lease has no room until then.
   */
  unconfirmed?: { args: string[]; consumed: number };
  /** Admits between their first look at the lease and their reservation (it must not be dropped). */
  pins: number;
  /** The Redis step in progress; admits wait for it (the grant is changing). */
  busy?: Promise<StepResult>;
}

type StepResult =
  | { status: 'ok' | 'short'; granted: number; spent: number; reserved: number }
  | { status: 'error'; err: unknown };

/** Grants an admit may wait through before it gives up (other calls kept taking the room). */
const MAX_STEPS = 20;

/**
 * Budget leases: the per-replica fast path of {@link RedisAdmissionStore} for calls that only
 * count against budgets (no RPM/TPM limit on the route). Instead of two Redis round trips per call
 * (admit, settle), a replica holds a slice of each hard budget's free room in Redis ("lease", a
 * hold like a call's reservation, renewed while used) and admits calls against it in memory:
 * `spent + reserved (all replicas' leases and calls) + estimate <= limit` still holds, because a
 * call is only admitted inside a lease Redis granted. Settled spend is reported every
 * `syncIntervalMs` in the same script that resizes the lease; alert thresholds are detected there.
 *
 * Trade-offs (docs/ai-routing.md): a replica's unused lease is room other replicas cannot use until
 * it shrinks (about `callsPerLease` worst-case calls or half its concurrency, given back within
 * `idleMs` once idle; Redis grants at most half of the free room per step, and never less than a
 * call needs, so one replica alone can still spend the budget to the last call). Spend settled in
 * the last `syncIntervalMs` before a crash is missing from the counter until it is seeded again
 * from the ledger; a crashed replica's lease expires after `ttlMs`.
 */
export class BudgetLeases {
  private readonly leases = new Map<string, Lease>();
  /** Reservations admitted here and neither settled nor released, with their leases. */
  private readonly open = new Map<string, Lease[]>();
  private readonly syncIntervalMs: number;
  private readonly ttlMs: number;
  private readonly idleMs: number;
  private readonly callsPerLease: number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: BudgetLeasesOptions) {
    this.syncIntervalMs = options.syncIntervalMs ?? 100;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.idleMs = options.idleMs ?? 1_000;
    this.callsPerLease = options.callsPerLease ?? 8;
    this.timer = setInterval(() => this.sync(), this.syncIntervalMs);
    this.timer.unref();
  }

  /** Admits against the leases (growing them when short); undefined when Redis failed or closed. */
  async admit(req: AdmissionRequest, estimate: number): Promise<AdmissionResult | undefined> {
    if (this.closed) return undefined;
    const leases = req.budgets.map((b) => this.leaseFor(req.tenantId, b));
    for (const l of leases) l.pins += 1;
    try {
      return await this.admitPinned(req, estimate, leases);
    } finally {
      for (const l of leases) l.pins -= 1;
    }
  }

  private async admitPinned(
    req: AdmissionRequest,
    estimate: number,
    leases: Lease[],
  ): Promise<AdmissionResult | undefined> {
    for (let steps = 0; ;) {
      const busy = leases.filter((l) => l.busy);
      if (busy.length > 0) {
        await Promise.all(busy.map((l) => l.busy));
        continue;
      }
      const now = Date.now();
      const short = leases.filter((l) => l.check.hard && room(l, now) < estimate);
      if (short.length === 0) break;
      steps += 1;
      const results = await Promise.all(short.map((l) => this.step(l, estimate, false)));
      const failed = results.find((r) => r.status === 'error');
      if (failed) {
        // The spend could not be loaded: admit nothing. Redis itself failed: the caller falls back.
        if (failed.err instanceof SpendLoadError) throw failed.err;
        return undefined;
      }
      // Still short after many grants (other calls keep taking the room): give up like a refusal.
      const refused = results.findIndex((r) => r.status === 'short');
      if (refused >= 0 || steps >= MAX_STEPS) {
        const at = Math.max(0, refused);
        const r = results[at] as Extract<StepResult, { granted: number }>;
        return {
          admitted: false,
          reason: 'budget_exceeded',
          budgetId: short[at].check.budgetId,
          limitMicros: short[at].check.limitMicros,
          spentMicros: r.spent,
          reservedMicros: r.reserved,
        };
      }
    }
    const now = Date.now();
    for (const l of leases) {
      l.inFlight += estimate;
      l.peak = Math.max(l.peak, l.inFlight);
      l.lastEstimate = estimate;
      l.lastAdmitMs = now;
    }
    const id = randomUUID();
    this.open.set(id, leases);
    return {
      admitted: true,
      reservation: {
        id,
        backend: 'lease',
        tenantId: req.tenantId,
        subjectKey: req.subjectKey,
        routeId: req.routeId,
        budgets: req.budgets.map((b) => ({ ...b })),
        estimateMicros: estimate,
        tpmTaken: { key: 0, route: 0 },
        limits: { ...req.limits },
        expiresAtMs: now + this.ttlMs,
      },
    };
  }

  /** Moves the call's hold to local spend (reported at the next sync). A repeat is ignored. */
  settle(reservation: Reservation, actualMicros: number): void {
    const leases = this.open.get(reservation.id);
    if (!leases) return;
    this.open.delete(reservation.id);
    // Garbage spend would poison the lease's arithmetic: the hold is freed, nothing is charged.
    const spent = Number.isFinite(actualMicros) && actualMicros > 0 ? Math.ceil(actualMicros) : 0;
    for (const lease of leases) {
      lease.inFlight = Math.max(0, lease.inFlight - reservation.estimateMicros);
      lease.unreported += spent;
    }
  }

  /** Reports what is pending and gives every lease back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(
      [...this.leases.values()].map(async (l) => {
        while (l.busy) await l.busy;
        if (l.granted > 0 || l.unreported > 0 || l.unconfirmed) await this.step(l, 0, true);
      }),
    );
  }

  private leaseFor(tenantId: string, check: BudgetCheck): Lease {
    const key = budgetKey(this.options.prefix, check);
    let lease = this.leases.get(key);
    // A budget edited since (limit, hard or soft): its grant no longer counts; the next admit steps
    // with what the caller sees now.
    if (lease && (lease.check.limitMicros !== check.limitMicros || lease.check.hard !== check.hard)) {
      lease.check = { ...check };
      lease.expiresAtMs = 0;
    }
    if (!lease) {
      lease = {
        key,
        holdsKey: reservationsKey(this.options.prefix, check),
        check: { ...check },
        tenantId,
        id: `lease:${randomUUID()}`,
        granted: 0,
        member: '',
        inFlight: 0,
        unreported: 0,
        peak: 0,
        lastEstimate: 0,
        lastAdmitMs: Date.now(),
        renewAtMs: 0,
        expiresAtMs: 0,
        seq: 0,
        pins: 0,
      };
      this.leases.set(key, lease);
    }
    return lease;
  }

  /** Every sync: report spend, shrink idle leases, renew live ones, forget empty ones. */
  private sync(): void {
    const now = Date.now();
    for (const [key, l] of this.leases) {
      if (l.busy) continue;
      const idle = now - l.lastAdmitMs >= this.idleMs;
      const renew = l.granted > 0 && now >= l.renewAtMs;
      if (l.unreported > 0 || l.unconfirmed || renew || (idle && l.granted > l.inFlight))
        void this.step(l, 0, idle);
      else if (idle && l.granted === 0 && l.inFlight === 0 && l.pins === 0) this.leases.delete(key);
    }
  }

  /** One Redis step on a lease (see {@link nextStep}), one at a time per lease. */
  private step(l: Lease, need: number, idle: boolean): Promise<StepResult> {
    const run = async (): Promise<StepResult> => {
      // A step whose answer was lost goes again as it was (Redis applies a step number once).
      const pending = l.unconfirmed ?? this.nextStep(l, need, idle);
      l.unconfirmed = undefined;
      const startedAt = Date.now();
      try {
        for (let attempt = 0; ; attempt++) {
          const reply = (await evalScript(
            this.options.connection.client,
            LEASE_SCRIPT,
            [l.key, l.holdsKey],
            pending.args,
          )) as string[];
          if (reply[0] === 'init' && attempt < 3) {
            await this.options.seed(l.check);
            // The new counter starts from the ledger, which already has this spend; the old
            // holds are gone with it.
            pending.args[0] = '';
            pending.args[1] = '0';
            pending.args[2] = '0';
            continue;
          }
          if (reply[0] !== 'ok' && reply[0] !== 'short')
            throw new Error(`unexpected lease script reply ${JSON.stringify(reply)}`);
          l.granted = Number(reply[1]);
          l.member = l.granted > 0 ? `${l.id}|${reply[1]}` : '';
          l.renewAtMs = startedAt + this.ttlMs / 2;
          l.expiresAtMs = startedAt + this.ttlMs;
          this.report(l, reply.slice(4));
          return {
            status: reply[0],
            granted: l.granted,
            spent: Number(reply[2]),
            reserved: Number(reply[3]),
          };
        }
      } catch (err) {
        if (err instanceof SpendLoadError) {
          l.unreported += pending.consumed; // nothing was sent: report it next time
        } else {
          // Maybe applied, maybe not: no room until the same step is confirmed.
          l.unconfirmed = pending;
          this.options.onError(need > 0 ? 'lease' : 'report', err);
        }
        return { status: 'error', err };
      }
    };
    const busy = run().finally(() => {
      if (l.busy === busy) l.busy = undefined;
    });
    l.busy = busy;
    return busy;
  }

  /**
   * The next step on a lease: report the unreported spend and hold what the calls in flight need,
   * plus `need` (an admit waiting for room), plus a margin for the next calls unless idle.
   */
  private nextStep(l: Lease, need: number, idle: boolean): { args: string[]; consumed: number } {
    const consumed = l.unreported;
    l.unreported = 0;
    const kept = l.inFlight;
    const minimum = l.check.hard ? kept + need : 0;
    // Room for the next calls: `callsPerLease` worst cases, or half the recent concurrency.
    const margin =
      idle || this.closed
        ? 0
        : Math.max(Math.max(need, l.lastEstimate) * this.callsPerLease, Math.ceil(l.peak / 2));
    const wanted = l.check.hard ? Math.max(minimum, l.peak) + margin : 0;
    l.peak = l.inFlight;
    l.seq += 1;
    const args = [
      l.member,
      String(l.granted),
      String(consumed),
      String(wanted),
      String(minimum),
      l.check.hard ? '1' : '0',
      String(l.check.limitMicros),
      String(this.options.dropAtMs(l.check)),
      l.id,
      String(this.ttlMs),
      String(l.check.hard ? kept : 0),
      String(l.seq),
    ];
    return { args, consumed };
  }

  private report(l: Lease, flat: string[]): void {
    if (flat.length === 0 || !this.options.onThresholds) return;
    const crossings: LeaseThresholdCrossing[] = [];
    for (let n = 0; n + 2 < flat.length; n += 3)
      crossings.push({
        tenantId: l.tenantId,
        budgetId: l.check.budgetId,
        periodStart: l.check.periodStart,
        threshold: flat[n + 1] === '80' ? 80 : 100,
        spentMicros: Number(flat[n + 2]),
        limitMicros: l.check.limitMicros,
      });
    this.options.onThresholds(crossings);
  }
}

/** Room left in a lease for new calls: none while a step is unconfirmed or the hold may have expired. */
function room(l: Lease, now: number): number {
  if (l.unconfirmed || now >= l.expiresAtMs) return 0;
  return l.granted - l.inFlight - l.unreported;
}

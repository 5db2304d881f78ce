import { takeResult, type BucketLimits, type TakeResult } from './rate-limit.store';

/** What one atomic call to the shared bucket answers. */
export interface LeaseGrant {
  /** Tokens granted to this replica: 0, or from the cost up to what was asked for. */
  granted: number;
  /** Tokens left in the shared bucket after the call. */
  level: number;
}

/**
 * One atomic step on the shared bucket `key`: refill, add back `giveBack` tokens (capped at
 * capacity), then grant up to `want` whole tokens if it holds at least the cost (none when
 * `want` is 0). The I/O half of `TokenLeases` (a Redis script in production); it fails by
 * rejecting, never by throwing.
 */
export type LeaseSource = (
  key: string,
  limits: BucketLimits,
  want: number,
  giveBack: number,
) => Promise<LeaseGrant>;

export interface TokenLeasesOptions {
  /** Milliseconds on a monotonic clock (tests inject their own). */
  now?: () => number;
  /** A renewal sooner than this after the previous grant doubles the lease; a later one halves it. */
  growWithinMs?: number;
  /** Tokens a lease still holds this long after its grant go back to the shared bucket. */
  holdMs?: number;
  /** Most tokens one lease asks for, whatever the capacity. */
  maxLease?: number;
  /** A give-back that failed (its tokens are lost to this interval: the safe direction). */
  onGiveBackError?: (err: Error) => void;
}

interface Lease {
  /** The limits of the last take, used to give tokens back. */
  limits: BucketLimits;
  /** Granted and not spent yet. */
  tokens: number;
  /** Tokens asked for at the last renewal. */
  size: number;
  /** The shared bucket's level at the last renewal. */
  level: number;
  /** When the last renewal started. */
  renewedAt: number;
  /** The renewal in flight, which every take of the key waits for (single flight). */
  renewing?: Promise<LeaseGrant>;
}

/** The largest lease for a bucket: a tenth of its capacity, between 1 and `maxLease`. */
export function leaseCap(capacity: number, maxLease = 50): number {
  return Math.min(maxLease, Math.max(1, Math.floor(capacity / 10)));
}

/**
 * The size of the next lease: double the last one while leases are used up within `growWithinMs`
 * of their grant, half of it otherwise; never below the cost nor above the cap (a first lease, or
 * a slow key, asks for exactly the cost).
 */
export function nextLeaseSize(
  size: number,
  sinceLastGrantMs: number,
  cost: number,
  cap: number,
  growWithinMs: number,
): number {
  const next = sinceLastGrantMs <= growWithinMs ? size * 2 : Math.floor(size / 2);
  return Math.max(cost, Math.min(cap, next));
}

/**
 * Token leases on shared buckets: a replica takes a batch of tokens from the shared bucket in one
 * call, then answers takes from it locally until it is spent. The batch starts at the cost (a slow
 * key makes one call per take, exactly as without leases) and adapts to demand.
 *
 * Tokens are never created: the shared bucket only grants what it holds, and a take is allowed
 * only with a granted token, so all replicas together never allow more than it handed out:
 * capacity + refill over any interval, plus the tokens leases held at its start (spent a little
 * later than they left the bucket: leases older than `holdMs` go back, on a sweep every
 * `holdMs / 4`). The price is that tokens one replica holds are not available to another.
 *
 * `remaining` on a local take is an estimate: the shared level at the last renewal plus this
 * replica's unspent tokens (other replicas' takes since then are not seen).
 */
export class TokenLeases {
  private readonly leases = new Map<string, Lease>();
  private readonly now: () => number;
  private readonly growWithinMs: number;
  private readonly holdMs: number;
  private readonly maxLease: number;
  private readonly onGiveBackError: (err: Error) => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly source: LeaseSource,
    options: TokenLeasesOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.growWithinMs = options.growWithinMs ?? 100;
    this.holdMs = options.holdMs ?? 1_000;
    this.maxLease = options.maxLease ?? 50;
    this.onGiveBackError = options.onGiveBackError ?? (() => undefined);
    this.timer = setInterval(() => this.sweep(), this.holdMs / 4);
    this.timer.unref();
  }

  /** Leases held (spent or not) and tokens not spent yet, over all keys. */
  get held(): { leases: number; tokens: number } {
    let tokens = 0;
    for (const lease of this.leases.values()) tokens += lease.tokens;
    return { leases: this.leases.size, tokens };
  }

  /** Rejects only when the source does (the caller decides what a failure means). */
  async take(key: string, limits: BucketLimits): Promise<TakeResult> {
    const cost = limits.cost ?? 1;
    let lease = this.leases.get(key);
    if (!lease) {
      lease = { limits, tokens: 0, size: cost, level: 0, renewedAt: Number.NEGATIVE_INFINITY };
      this.leases.set(key, lease);
    }
    lease.limits = limits;
    for (;;) {
      if (lease.tokens >= cost) {
        lease.tokens -= cost;
        return takeResult(true, lease.level + lease.tokens, limits);
      }
      // Everything waiting on a renewal that granted nothing is refused by it: the shared bucket
      // held less than the cost after they arrived.
      const grant = await (lease.renewing ??= this.renew(key, lease, limits));
      if (grant.granted < cost) return takeResult(false, grant.level, limits);
    }
  }

  /** Gives back what leases older than `holdMs` still hold, and forgets them. */
  sweep(): void {
    const now = this.now();
    for (const [key, lease] of this.leases) {
      if (lease.renewing || now - lease.renewedAt < this.holdMs) continue;
      this.leases.delete(key);
      if (lease.tokens > 0) void this.giveBack(key, lease);
    }
  }

  /** Stops the sweep and gives every unspent token back. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const leases = [...this.leases].filter(([, lease]) => lease.tokens > 0);
    this.leases.clear();
    await Promise.all(leases.map(([key, lease]) => this.giveBack(key, lease)));
  }

  private async renew(key: string, lease: Lease, limits: BucketLimits): Promise<LeaseGrant> {
    const cost = limits.cost ?? 1;
    const now = this.now();
    const cap = leaseCap(limits.capacity, this.maxLease);
    lease.size = nextLeaseSize(lease.size, now - lease.renewedAt, cost, cap, this.growWithinMs);
    lease.renewedAt = now;
    try {
      const grant = await this.source(key, limits, lease.size, 0);
      lease.tokens += grant.granted;
      lease.level = grant.level;
      return grant;
    } finally {
      lease.renewing = undefined;
    }
  }

  private giveBack(key: string, lease: Lease): Promise<void> {
    const tokens = lease.tokens;
    lease.tokens = 0;
    return this.source(key, lease.limits, 0, tokens).then(
      () => undefined,
      (err: Error) => this.onGiveBackError(err),
    );
  }
}

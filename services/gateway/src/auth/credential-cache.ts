import { createHash } from 'node:crypto';

/**
 * Verified credentials by SHA-256 of the credential, for at most `ttlMs` (the revocation bound:
 * a revoked key or suspended tenant stops working within that time on every replica). Failures
 * are not cached. Bounded in size; the oldest entry goes first. Concurrent misses of one
 * credential share one load (single flight), so an expiring hot key costs one call to auth, not
 * one per request in flight.
 */
export class CredentialCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async getOrLoad(credential: string, load: () => Promise<V>): Promise<V> {
    const key = createHash('sha256').update(credential).digest('hex');
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.ttlMs <= 0) return load(); // cache off: every request is verified on its own
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const loaded = load().then(
      (value) => {
        this.loading.delete(key);
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
        return value;
      },
      (err: unknown) => {
        this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  get size(): number {
    return this.entries.size;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { AiRoutingConfig } from '../config';

interface Entry {
  expiresAt: number;
  value: Promise<unknown>;
}

/**
 * A small read-through cache for configuration lookups on the hot path (routes, providers,
 * budgets, prices). Entries live ROUTE_CACHE_TTL_MS; writes through this replica clear it at once,
 * other replicas' writes show within the TTL. Failed loads are not cached.
 */
@Injectable()
export class ConfigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;

  constructor(@Inject(SERVICE_CONFIG) config: AiRoutingConfig) {
    this.ttlMs = config.ROUTE_CACHE_TTL_MS;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value as Promise<T>;
    const value = load();
    if (this.ttlMs > 0) {
      this.entries.set(key, { expiresAt: now + this.ttlMs, value });
      value.catch(() => this.entries.delete(key));
      if (this.entries.size > 10_000) this.sweep(now);
    }
    return value;
  }

  /** After any configuration write on this replica. */
  clear(): void {
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

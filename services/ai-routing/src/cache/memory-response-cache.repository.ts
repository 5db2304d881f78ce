import { counter, type Registry } from '@brainmesh/telemetry';
import { tenantKeyPart } from './cache-key';
import { ResponseCacheStore } from './response-cache.store';

interface Entry {
  value: string;
  bytes: number;
  createdAtMs: number;
  expiresAtMs: number;
}

/** Bounds of {@link MemoryResponseCacheStore}. */
export interface MemoryResponseCacheStoreOptions {
  /** Most entries kept (least recently used go first). Default 1 000. */
  maxEntries?: number;
  /** Most bytes of keys + values kept (UTF-8). Default 64 MiB. */
  maxBytes?: number;
  /** A larger value is not cached at all. Default `maxBytes / 8`. */
  maxEntryBytes?: number;
  /** Epoch milliseconds (tests inject their own clock). */
  now?: () => number;
  /** Where `ai_response_cache_evictions_total` (entries pushed out by the bounds) is registered. */
  registry?: Registry;
}

/**
 * The response cache in this process (embedded mode): an LRU bounded by entries and by bytes,
 * with a TTL per entry. Expired entries are dropped when met and when room is needed.
 */
export class MemoryResponseCacheStore extends ResponseCacheStore {
  /** Map order is least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private readonly now: () => number;
  private readonly evictions?: ReturnType<typeof counter>;
  private bytes = 0;

  constructor(options: MemoryResponseCacheStoreOptions = {}) {
    super();
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? Math.floor(this.maxBytes / 8), this.maxBytes);
    this.now = options.now ?? Date.now;
    if (options.registry) {
      this.evictions = counter(
        options.registry,
        'ai_response_cache_evictions_total',
        'Unexpired response-cache entries evicted to stay within the entry/byte bounds (raise CACHE_MAX_ENTRIES if high)',
      );
    }
  }

  /** Entries and bytes held (for tests and diagnostics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  async get(key: string, maxAgeS?: number): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (entry.expiresAtMs <= now) {
      this.delete(key, entry);
      return undefined;
    }
    if (maxAgeS !== undefined && now - entry.createdAtMs > maxAgeS * 1000) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    if (!(ttlS > 0)) return;
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > this.maxEntryBytes) return;
    const previous = this.entries.get(key);
    if (previous) this.delete(key, previous);
    const now = this.now();
    this.entries.set(key, { value, bytes, createdAtMs: now, expiresAtMs: now + ttlS * 1000 });
    this.bytes += bytes;
    this.evict(now);
  }

  async listTenant(tenantId: string, limit = 1_000): Promise<string[]> {
    const prefix = `${tenantKeyPart(tenantId)}:`;
    const now = this.now();
    const keys: string[] = [];
    for (const [key, entry] of this.entries) {
      if (keys.length >= limit) break;
      if (key.startsWith(prefix) && entry.expiresAtMs > now) keys.push(key);
    }
    return keys;
  }

  async flushTenant(tenantId: string): Promise<number> {
    const prefix = `${tenantKeyPart(tenantId)}:`;
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      this.delete(key, entry);
      removed += 1;
    }
    return removed;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(now: number): void {
    if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
    // Expired entries go first, wherever they are; then the least recently used.
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= now) this.delete(key, entry);
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(key, entry);
      this.evictions?.inc();
    }
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then randomness, so ids sort by creation time.
 * Within one millisecond the 12-bit `rand_a` field is a counter (RFC 9562, method 1), keeping ids
 * of one process strictly increasing.
 */
export class UuidV7Generator {
  private lastMs = -1;
  private counter = 0;

  constructor(private readonly random: (length: number) => Uint8Array) {}

  next(nowMs: number): string {
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      const r = this.random(2);
      this.counter = ((r[0]! << 8) | r[1]!) & 0x7ff; // start in the lower half: room to count up
    } else if (++this.counter > 0xfff) {
      // Counter exhausted (4096 ids in one ms): borrow the next millisecond.
      this.lastMs += 1;
      this.counter = 0;
    }
    return uuidV7(this.lastMs, this.counter, this.random(8));
  }
}

/** Formats a UUIDv7 from its parts: unix ms (48 bits), rand_a (12 bits), rand_b (from 8 bytes). */
export function uuidV7(unixMs: number, randA: number, randB: Uint8Array): string {
  const bytes = new Uint8Array(16);
  let ms = unixMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | ((randA >> 8) & 0x0f);
  bytes[7] = randA & 0xff;
  bytes.set(randB.subarray(0, 8), 8);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp of a UUIDv7. */
export function uuidV7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

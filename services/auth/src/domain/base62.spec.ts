import { API_KEY_PATTERN, base62Encode, formatApiKey } from './base62';
import { lockedUntil, lockoutSeconds } from './lockout';

describe('base62 and API key format', () => {
  it('encodes big-endian numbers', () => {
    expect(base62Encode(Uint8Array.of(0))).toBe('');
    expect(base62Encode(Uint8Array.of(61))).toBe('z');
    expect(base62Encode(Uint8Array.of(62))).toBe('10');
    expect(base62Encode(Uint8Array.of(1, 0))).toBe('48'); // 256 = 4*62 + 8
    expect(base62Encode(Uint8Array.of(0), 3)).toBe('000');
  });

  it('formats bm_ + 43 base62 characters with an 8-character prefix, for any 32 bytes', () => {
    for (const bytes of [
      new Uint8Array(32),
      new Uint8Array(32).fill(255),
      Uint8Array.from({ length: 32 }, (_, i) => i * 7),
    ]) {
      const { key, prefix } = formatApiKey(bytes);
      expect(key).toMatch(API_KEY_PATTERN);
      expect(prefix).toBe(key.slice(3, 11));
    }
    expect(formatApiKey(new Uint8Array(32).fill(255)).key).toBe(
      `bm_${base62Encode(new Uint8Array(32).fill(255))}`,
    );
    expect(() => formatApiKey(new Uint8Array(16))).toThrow();
  });
});

describe('lockout math', () => {
  it('is 0 below 5 failures, then 2^(n-5) s, capped at 15 minutes', () => {
    expect([1, 4, 5, 6, 7, 14, 15, 40].map(lockoutSeconds)).toEqual([0, 0, 1, 2, 4, 512, 900, 900]);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(lockedUntil(4, now)).toBeNull();
    expect(lockedUntil(6, now)).toEqual(new Date('2026-01-01T00:00:02Z'));
  });
});

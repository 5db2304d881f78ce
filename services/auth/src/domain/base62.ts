const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 of a byte string as a big-endian number, left-padded with '0' to `minLength`. */
export function base62Encode(bytes: Uint8Array, minLength = 0): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(minLength, '0');
}

/** 32 bytes need at most 43 base62 digits (62^43 > 2^256). */
export const API_KEY_BODY_LENGTH = 43;
export const API_KEY_PREFIX_LENGTH = 8;
export const API_KEY_PATTERN = /^bm_[0-9A-Za-z]{43}$/;

/** Formats an API key from 32 random bytes: `bm_` + 43 base62 characters; prefix = first 8 after `bm_`. */
export function formatApiKey(random: Uint8Array): { key: string; prefix: string } {
  if (random.length !== 32) throw new Error('an API key needs 32 random bytes');
  const body = base62Encode(random, API_KEY_BODY_LENGTH);
  return { key: `bm_${body}`, prefix: body.slice(0, API_KEY_PREFIX_LENGTH) };
}

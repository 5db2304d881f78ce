import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SecretBox, SecretBoxError, type SecretBoxErrorCode } from './secret-box.repository';

const K1 = SecretBox.generateKey();
const K2 = SecretBox.generateKey();
const AAD = 'provider:0193f0c2-7c1e-7a10-8000-000000000001';
const SECRET = JSON.stringify({ apiKey: 'sk-test-Ünïcødé-🔑', headers: { 'x-org': 'acme' } });

/** The error `fn` throws, asserting it is a SecretBoxError with `code`. */
function failure(fn: () => unknown, code: SecretBoxErrorCode): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    expect((error as SecretBoxError).code).toBe(code);
    return error as SecretBoxError;
  }
  throw new Error(`expected a SecretBoxError ${code}`);
}

/** Replaces the base64url segment `index` of a sealed value after changing one of its bytes. */
function flipByte(sealed: string, index: 2 | 3, at: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] as string, 'base64url');
  bytes[at] = (bytes[at] as number) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  describe('generateKey', () => {
    it('returns base64 of 32 fresh random bytes', () => {
      expect(Buffer.from(K1, 'base64')).toHaveLength(32);
      expect(K1).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(K1).not.toBe(K2);
    });
  });

  describe('seal and open', () => {
    const box = SecretBox.fromKeyring(`k1:${K1}`);

    it('round-trips UTF-8 text and empty text under the same AAD', () => {
      expect(box.open(box.seal(SECRET, AAD), AAD)).toBe(SECRET);
      expect(box.open(box.seal('', AAD), AAD)).toBe('');
    });

    it('produces v1.<kid>.<12-byte iv>.<ciphertext+tag>, with a fresh IV every time', () => {
      const a = box.seal(SECRET, AAD);
      const b = box.seal(SECRET, AAD);
      expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      const [, , iv, body] = a.split('.');
      expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12);
      expect(Buffer.from(body as string, 'base64url')).toHaveLength(Buffer.byteLength(SECRET) + 16);
      expect(a).not.toBe(b);
      expect(a).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
    });

    it('refuses another AAD (a value copied to another row) without revealing the plaintext', () => {
      const sealed = box.seal(SECRET, AAD);
      const error = failure(() => box.open(sealed, 'provider:someone-else'), 'decrypt_failed');
      expect(error.message).not.toContain('sk-test');
      expect(error.message).not.toContain(K1);
    });

    it.each([
      ['the ciphertext', 3, 0],
      ['the tag', 3, -1],
      ['the IV', 2, 0],
    ] as const)('detects tampering with %s', (_what, index, at) => {
      const sealed = box.seal(SECRET, AAD);
      const length = Buffer.from(sealed.split('.')[index] as string, 'base64url').length;
      const tampered = flipByte(sealed, index, at < 0 ? length + at : at);
      expect(tampered).not.toBe(sealed);
      failure(() => box.open(tampered, AAD), 'decrypt_failed');
    });

    it('detects truncated ciphertext and a kid swapped to another known key', () => {
      const two = SecretBox.fromKeyring(`k1:${K1},k2:${K1}`); // same bytes: only the header differs
      const sealed = two.seal(SECRET, AAD);
      failure(() => two.open(sealed.replace(/^v1\.k1\./, 'v1.k2.'), AAD), 'decrypt_failed');
      const parts = sealed.split('.');
      const body = Buffer.from(parts[3] as string, 'base64url');
      parts[3] = body.subarray(1).toString('base64url');
      failure(() => two.open(parts.join('.'), AAD), 'decrypt_failed');
    });

    it.each([
      ['an empty string', ''],
      ['a plaintext', 'sk-live-123'],
      ['a missing segment', 'v1.k1.AAAAAAAAAAAAAAAA'],
      ['an extra segment', 'v1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.x'],
      ['another version', 'v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
      ['a short IV', 'v1.k1.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
      ['a body shorter than the tag', 'v1.k1.AAAAAAAAAAAAAAAA.AAAA'],
      ['characters outside base64url', 'v1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA!!'],
      ['padding', 'v1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA=='],
      ['non-canonical base64url', 'v1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAB'],
    ])('rejects %s as malformed', (_what, sealed) => {
      failure(() => box.open(sealed, AAD), 'malformed');
    });

    it('names the unknown kid of a value sealed with a key no longer in the keyring', () => {
      const old = SecretBox.fromKeyring(`old:${K2}`).seal(SECRET, AAD);
      const error = failure(() => box.open(old, AAD), 'unknown_kid');
      expect(error.message).toContain('"old"');
    });
  });

  describe('key rotation', () => {
    it('keeps old values readable after a new primary is added, and reseals them', () => {
      const before = SecretBox.fromKeyring(`k1:${K1}`);
      const sealedWithK1 = before.seal(SECRET, AAD);
      expect(before.needsRotation(sealedWithK1)).toBe(false);
      expect(before.rotate(sealedWithK1, AAD)).toBe(sealedWithK1);

      const after = SecretBox.fromKeyring(`k2:${K2},k1:${K1}`);
      expect(after.primaryKid).toBe('k2');
      expect(after.kids).toEqual(['k2', 'k1']);
      expect(after.open(sealedWithK1, AAD)).toBe(SECRET);
      expect(after.needsRotation(sealedWithK1)).toBe(true);

      const resealed = after.rotate(sealedWithK1, AAD);
      expect(resealed.startsWith('v1.k2.')).toBe(true);
      expect(after.needsRotation(resealed)).toBe(false);
      expect(after.open(resealed, AAD)).toBe(SECRET);

      // Once every row is resealed the old key can go.
      const final = SecretBox.fromKeyring(`k2:${K2}`);
      expect(final.open(resealed, AAD)).toBe(SECRET);
      failure(() => final.open(sealedWithK1, AAD), 'unknown_kid');
    });

    it('reports malformed values instead of guessing whether they need rotation', () => {
      failure(() => SecretBox.fromKeyring(`k1:${K1}`).needsRotation('plain'), 'malformed');
    });
  });

  describe('fromKeyring', () => {
    it('accepts URL-safe and unpadded base64 keys and spaces around entries', () => {
      const raw = randomBytes(32);
      const urlSafe = SecretBox.fromKeyring(
        ` a:${raw.toString('base64url')} , b:${raw.toString('base64').replace(/=+$/, '')} `,
      );
      expect(urlSafe.kids).toEqual(['a', 'b']);
      const standard = SecretBox.fromKeyring(`a:${raw.toString('base64')}`);
      expect(standard.open(urlSafe.seal(SECRET, AAD), AAD)).toBe(SECRET);
    });

    const short = randomBytes(16).toString('base64');
    const long = randomBytes(33).toString('base64');
    it.each([
      ['an empty spec', '', /keyring is empty/],
      ['an empty entry', `k1:${K1},`, /entry 2 is not of the form kid:base64key/],
      ['an entry without a colon', K1, /entry 1 is not of the form kid:base64key/],
      ['an entry without a key', 'k1:', /entry 1 is not of the form/],
      ['an entry without a kid', `:${K1}`, /entry 1 is not of the form/],
      ['a kid with a dot', `k.1:${K1}`, /entry 1: the kid must be/],
      [
        'a key that is not base64',
        `k1:${K1.slice(0, 20)}!${K1.slice(21)}`,
        /entry 1 \(kid "k1"\): the key is not base64/,
      ],
      ['a 16-byte key', `k1:${K1},k2:${short}`, /entry 2 \(kid "k2"\): the key must be 32 bytes, got 16/],
      ['a 33-byte key', `k1:${long}`, /entry 1 \(kid "k1"\): the key must be 32 bytes, got 33/],
      ['a duplicate kid', `k1:${K1},k1:${K2}`, /entry 2: kid "k1" appears twice/],
    ])('rejects %s, naming the problem without echoing key material', (_what, spec, message) => {
      const error = failure(() => SecretBox.fromKeyring(spec), 'invalid_keyring');
      expect(error.message).toMatch(message);
      for (const key of [K1, K2, short, long]) expect(error.message).not.toContain(key.slice(0, 8));
    });

    it('never shows key bytes when inspected or serialised', () => {
      const raw = randomBytes(32);
      const box = SecretBox.fromKeyring(`k1:${raw.toString('base64')}`);
      const shown = `${inspect(box, { depth: 10, showHidden: true })} ${JSON.stringify(box)}`;
      expect(shown).not.toContain(raw.toString('base64').slice(0, 8));
      expect(shown).not.toContain(raw.toString('hex').slice(0, 8));
    });
  });
});

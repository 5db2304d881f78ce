import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Why a {@link SecretBox} operation failed. Messages never contain plaintext or key bytes (kids
 * and entry positions only), so they are safe to log.
 * - `invalid_keyring`: the keyring spec is wrong (bad entry, key not 32 bytes, duplicate kid...).
 * - `malformed`: the sealed string is not a `v1.<kid>.<iv>.<ciphertext>` envelope.
 * - `unknown_kid`: sealed with a key that is not (any more) in the keyring.
 * - `decrypt_failed`: authentication failed: wrong AAD (copied to another row), wrong key or
 *   tampered ciphertext.
 */
export type SecretBoxErrorCode = 'invalid_keyring' | 'malformed' | 'unknown_kid' | 'decrypt_failed';

/** A failed seal/open or keyring parse; see {@link SecretBoxErrorCode}. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';

  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One key of a keyring: a key id (letters, digits, `_`, `-`) and 32 bytes of key material. */
export interface SecretBoxKey {
  kid: string;
  key: Uint8Array;
}

const VERSION = 'v1';
const KID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM envelope for secrets at rest (provider credentials), with key rotation.
 *
 * Sealed form: `v1.<kid>.<iv>.<ciphertext‖tag>` (base64url, random 12-byte IV). The caller's AAD
 * (e.g. `provider:<id>`) binds a ciphertext to its row, so a value copied to another row does not
 * open; the version and kid are authenticated too. The first key of the keyring seals; every key
 * opens, so rotating is: put a new key first, keep the old ones, reseal rows for which
 * {@link SecretBox.needsRotation} is true (or call {@link SecretBox.rotate}), then drop old keys.
 *
 * Not decorated for Nest's class injection (its constructor takes key material): provide it with a
 * factory, e.g. `{ provide: SecretBox, useFactory: (c) => SecretBox.fromKeyring(c.PROVIDER_SECRET_KEYS) }`.
 * Keys are held as `KeyObject`s, which never print their bytes.
 */
export class SecretBox {
  readonly #keys = new Map<string, KeyObject>();
  readonly #primary: string;

  /** `keys[0]` is the primary (seals new values); all keys open. Throws `invalid_keyring`. */
  constructor(keys: readonly SecretBoxKey[]) {
    if (keys.length === 0) throw keyringError('the keyring has no keys');
    keys.forEach(({ kid, key }, i) => {
      const where = `entry ${i + 1}`;
      if (!KID.test(kid)) {
        throw keyringError(`${where}: the kid must be 1-64 letters, digits, "_" or "-"`);
      }
      if (this.#keys.has(kid)) throw keyringError(`${where}: kid "${kid}" appears twice`);
      if (key.byteLength !== KEY_BYTES) {
        throw keyringError(
          `${where} (kid "${kid}"): the key must be ${KEY_BYTES} bytes, got ${key.byteLength}`,
        );
      }
      this.#keys.set(kid, createSecretKey(Buffer.from(key)));
    });
    this.#primary = (keys[0] as SecretBoxKey).kid;
  }

  /**
   * Parses `kid1:base64key1,kid2:base64key2` (standard or URL-safe base64; spaces around entries
   * ignored). The first key is the primary. Errors name the entry and kid, never the key.
   */
  static fromKeyring(spec: string): SecretBox {
    const entries = spec.split(',').map((entry) => entry.trim());
    if (entries.length === 1 && entries[0] === '') throw keyringError('the keyring is empty');
    const keys = entries.map((entry, i): SecretBoxKey => {
      const where = `entry ${i + 1}`;
      const colon = entry.indexOf(':');
      if (colon <= 0 || colon === entry.length - 1) {
        throw keyringError(`${where} is not of the form kid:base64key`);
      }
      const kid = entry.slice(0, colon);
      const encoded = entry.slice(colon + 1);
      if (!KID.test(kid)) {
        throw keyringError(`${where}: the kid must be 1-64 letters, digits, "_" or "-"`);
      }
      if (!BASE64.test(encoded)) throw keyringError(`${where} (kid "${kid}"): the key is not base64`);
      // Node's base64 decoder reads both alphabets; BASE64 above rejected anything else.
      return { kid, key: Buffer.from(encoded, 'base64') };
    });
    const box = new SecretBox(keys);
    for (const { key } of keys) key.fill(0);
    return box;
  }

  /** A new random key for a keyring entry: base64 of 32 random bytes (first-run setup, rotation). */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  /** The kid new values are sealed with. */
  get primaryKid(): string {
    return this.#primary;
  }

  /** All kids that can open values, primary first. */
  get kids(): readonly string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` (UTF-8) with the primary key, bound to `aad`. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#primary) as KeyObject, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(boundAad(this.#primary, aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${this.#primary}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts a value sealed by any key of the keyring with the same `aad`. Throws
   * {@link SecretBoxError}: `malformed`, `unknown_kid` or `decrypt_failed`.
   */
  open(sealed: string, aad: string): string {
    const { kid, iv, body } = parse(sealed);
    const key = this.#keys.get(kid);
    if (key === undefined) {
      throw new SecretBoxError(
        'unknown_kid',
        `the secret was sealed with kid "${kid}", which is not in the keyring`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(boundAad(kid, aad));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch {
      throw new SecretBoxError(
        'decrypt_failed',
        'the secret does not open: wrong AAD (another row), wrong key or tampered ciphertext',
      );
    }
  }

  /** True when `sealed` was not sealed with the primary key (it should be resealed). Throws `malformed`. */
  needsRotation(sealed: string): boolean {
    return parse(sealed).kid !== this.#primary;
  }

  /** `sealed` itself when it already uses the primary key, else the same plaintext resealed with it. */
  rotate(sealed: string, aad: string): string {
    return this.needsRotation(sealed) ? this.seal(this.open(sealed, aad), aad) : sealed;
  }
}

function keyringError(problem: string): SecretBoxError {
  return new SecretBoxError('invalid_keyring', `invalid secret keyring: ${problem}`);
}

/** The caller's AAD, prefixed with the authenticated header (kids contain no `.`). */
function boundAad(kid: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${aad}`, 'utf8');
}

function parse(sealed: string): { kid: string; iv: Buffer; body: Buffer } {
  const parts = sealed.split('.');
  const [version, kid, iv64, body64] = parts;
  if (parts.length !== 4 || version !== VERSION || kid === undefined || !KID.test(kid)) {
    throw malformed();
  }
  const iv = decodeBase64Url(iv64 ?? '');
  const body = decodeBase64Url(body64 ?? '');
  if (iv === null || iv.length !== IV_BYTES || body === null || body.length < TAG_BYTES) {
    throw malformed();
  }
  return { kid, iv, body };
}

/** Strict base64url: rejects characters Buffer would silently skip and non-canonical encodings. */
function decodeBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

function malformed(): SecretBoxError {
  return new SecretBoxError('malformed', 'the sealed secret is not a v1.<kid>.<iv>.<ciphertext> envelope');
}

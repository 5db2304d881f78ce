import { base32Encode } from './totp';

export const RECOVERY_CODE_COUNT = 10;
/** Bytes of randomness per recovery code (10 bytes = 80 bits -> 16 base32 characters). */
export const RECOVERY_CODE_BYTES = 10;

/** `xxxx-xxxx-xxxx-xxxx` (lower-case base32) from 10 random bytes. */
export function formatRecoveryCode(random: Uint8Array): string {
  if (random.length !== RECOVERY_CODE_BYTES)
    throw new Error(`a recovery code needs ${RECOVERY_CODE_BYTES} bytes`);
  return base32Encode(random).toLowerCase().match(/.{4}/g)!.join('-');
}

/** The form that is hashed: lower case without dashes or spaces, so `ABCD EFGH...` matches too. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** True when the input looks like a recovery code rather than a 6-digit TOTP code. */
export function isRecoveryCode(code: string): boolean {
  return /^[a-z2-7]{16}$/.test(normalizeRecoveryCode(code));
}

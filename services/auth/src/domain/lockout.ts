/** Consecutive failed logins after which every further failure slows the account down. */
export const LOCKOUT_THRESHOLD = 5;
/** The longest delay: 15 minutes. */
export const MAX_LOCKOUT_SECONDS = 15 * 60;

/** Seconds the account stays locked after `failures` consecutive failures: 2^(n-5), capped at 15 min. */
export function lockoutSeconds(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  return Math.min(2 ** (failures - LOCKOUT_THRESHOLD), MAX_LOCKOUT_SECONDS);
}

export function lockedUntil(failures: number, now: Date): Date | null {
  const seconds = lockoutSeconds(failures);
  return seconds === 0 ? null : new Date(now.getTime() + seconds * 1000);
}

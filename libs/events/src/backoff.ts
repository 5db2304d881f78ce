/** Exponential backoff with full jitter in [delay/2, delay], capped at `maxMs`. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * Sleeps `ms`, or less when `signal` aborts (resolves, never rejects, so callers check
 * `signal.aborted` themselves).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

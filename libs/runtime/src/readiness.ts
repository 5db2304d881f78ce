import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  name: string;
  /** Resolves true when the dependency is usable; may throw (counts as not ready). */
  check: () => Promise<boolean>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/**
 * What `/readyz` reports: every registered dependency check must pass, each within a timeout,
 * and the service must not be draining (shutting down).
 */
@Injectable()
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private draining = false;
  private started = false;

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  markStarted(): void {
    this.started = true;
  }

  markDraining(): void {
    this.draining = true;
  }

  async report(timeoutMs = 1500): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, await runCheck(c, timeoutMs)] as const),
    );
    const checks: ReadinessReport['checks'] = Object.fromEntries(results);
    if (!this.started) checks.startup = { ok: false, detail: 'starting' };
    if (this.draining) checks.shutdown = { ok: false, detail: 'draining' };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }
}

async function runCheck(c: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      c.check().then((ok) => (ok ? { ok } : { ok, detail: 'unavailable' })),
      timeout,
    ]);
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

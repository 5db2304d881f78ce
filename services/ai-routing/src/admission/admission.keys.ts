import type { AdmissionRequest, BudgetCheck, RateLimited } from './admission.store';

/** The four RPM/TPM buckets of one admit, in the order both stores (and the Lua scripts) use. */
export const BUCKETS = [
  { limit: 'rpm', scope: 'key' },
  { limit: 'tpm', scope: 'key' },
  { limit: 'rpm', scope: 'route' },
  { limit: 'tpm', scope: 'route' },
] as const satisfies ReadonlyArray<Pick<RateLimited, 'limit' | 'scope'>>;

/** Float noise (2.9999999 tokens) must not refuse a request. */
export const BUCKET_EPSILON = 1e-9;

const part = (value: string) => encodeURIComponent(value);

/** The counter of one budget for one period: `{spent, reserved, t80, t100}`. */
export function budgetKey(prefix: string, budget: BudgetCheck): string {
  return `${prefix}budget:${part(budget.budgetId)}:${part(budget.periodStart)}`;
}

/** The open reservations on one budget counter (sorted set by expiry; member `<id>|<micros>`). */
export function reservationsKey(prefix: string, budget: BudgetCheck): string {
  return `${budgetKey(prefix, budget)}:res`;
}

/** The keys of the four buckets of {@link BUCKETS}, in that order. */
export function bucketKeys(
  prefix: string,
  req: Pick<AdmissionRequest, 'tenantId' | 'subjectKey' | 'routeId'>,
): [string, string, string, string] {
  const key = `${prefix}rl:key:${part(req.tenantId)}:${part(req.subjectKey)}:${part(req.routeId)}`;
  const route = `${prefix}rl:route:${part(req.routeId)}`;
  return [`${key}:rpm`, `${key}:tpm`, `${route}:rpm`, `${route}:tpm`];
}

/** Capacities of the four buckets of {@link BUCKETS} (0 = unlimited, the bucket is skipped). */
export function bucketCapacities(limits: AdmissionRequest['limits']): [number, number, number, number] {
  const cap = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  return [cap(limits.rpmPerKey), cap(limits.tpmPerKey), cap(limits.rpm), cap(limits.tpm)];
}

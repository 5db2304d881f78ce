import type { airoutingV1 } from '@brainmesh/contracts';

const CACHE_STATES: ReadonlySet<string> = new Set(['hit', 'miss', 'bypass']);

/** USD as a plain decimal string (never exponent notation), up to 10 decimals, trailing zeros dropped. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return '0';
  return usd.toFixed(10).replace(/\.?0+$/, '');
}

/** A value safe in an HTTP header: visible ASCII kept, anything else percent-encoded. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c));
}

/**
 * The `x-brainmesh-*` headers for what is known about a call: route, deployment and cache state
 * from its start, the cost from its end (absent while a stream is still running).
 */
export function routingHeaders(
  routing: airoutingV1.RoutingInfo | undefined,
  usage?: airoutingV1.CallUsage,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (routing?.route) headers['x-brainmesh-route'] = headerSafe(routing.route);
  if (routing?.deployment) headers['x-brainmesh-deployment'] = headerSafe(routing.deployment);
  if (routing && CACHE_STATES.has(routing.cache)) headers['x-brainmesh-cache'] = routing.cache;
  if (usage) headers['x-brainmesh-cost-usd'] = formatUsd(usage.costUsd);
  return headers;
}

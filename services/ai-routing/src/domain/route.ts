/** Routes: a model name tenants call, mapped to deployments and a strategy. */

export const ROUTE_STRATEGIES = ['priority', 'weighted', 'least-latency', 'lowest-cost'] as const;
export type RouteStrategy = (typeof ROUTE_STRATEGIES)[number];

export const ROUTE_KINDS = ['chat', 'embeddings'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** One deployment of a route, resolved (prices filled from the price table when not set). */
export interface RouteDeployment {
  /** Stable key of this deployment within the process: `<routeId>:<index>` (breakers, EWMA). */
  key: string;
  providerId: string;
  providerName: string;
  /** Upstream model. */
  model: string;
  priority: number;
  weight: number;
  timeoutMs: number;
  maxRetries: number;
  /** USD per million tokens (0 when unknown). */
  inputPricePerMtok: number;
  outputPricePerMtok: number;
  /** Tokens; 0 = unknown. */
  contextWindow: number;
}

export interface ResolvedRoute {
  id: string;
  /** '' for platform-wide routes. */
  tenantId: string;
  model: string;
  kind: RouteKind;
  strategy: RouteStrategy;
  deployments: RouteDeployment[];
  cacheTtlS: number;
  rpmPerKey: number;
  tpmPerKey: number;
  rpm: number;
  tpm: number;
}

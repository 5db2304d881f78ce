/**
 * Route strategies: the order in which a request tries a route's deployments. The first one is
 * where the request goes; the rest are its fallbacks. Breakers are not consulted here (the
 * fallback loop skips open ones), so an open deployment keeps its place for when it recovers.
 */
import type { ResolvedRoute, RouteDeployment } from '../domain/route';
import type { DeploymentHealth } from './deployment-health';

/** Token estimate of a request, for the lowest-cost strategy. */
export interface TokenEstimate {
  promptTokens: number;
  completionTokens: number;
}

/** Inputs of {@link orderDeployments} besides the route. */
export interface OrderOptions {
  /** Uniform in [0, 1) (injected so tests are deterministic). */
  random: () => number;
  /** Expected tokens of the request; without it lowest-cost compares input + output prices. */
  estimate?: TokenEstimate;
}

/**
 * Returns every deployment of the route, in the order to try them:
 * - `priority`: ascending priority; equal priorities shuffled by weight (weight 0 last);
 * - `weighted`: weighted random draw without replacement; weight 0 never first, only a last
 *   resort (in configured order);
 * - `least-latency`: deployments without a latency sample first (exploration), then ascending
 *   latency EWMA; ties by priority;
 * - `lowest-cost`: ascending estimated USD cost
 *   (`promptTokens * inputPrice + completionTokens * outputPrice`, or `inputPrice + outputPrice`
 *   without an estimate); ties by priority. Unknown prices are 0, so they sort as free.
 * Ties left after that keep the configured order. The route is not mutated.
 */
export function orderDeployments(
  route: Pick<ResolvedRoute, 'strategy' | 'deployments'>,
  health: Pick<DeploymentHealth, 'latencyEwma'>,
  options: OrderOptions,
): RouteDeployment[] {
  const deployments = [...route.deployments];
  switch (route.strategy) {
    case 'priority':
      return orderByPriority(deployments, options.random);
    case 'weighted':
      return weightedShuffle(deployments, options.random);
    case 'least-latency':
      return orderByLatency(deployments, health);
    case 'lowest-cost':
      return orderByCost(deployments, options.estimate);
    default:
      return assertNever(route.strategy);
  }
}

/**
 * The lowest-cost sort key of a deployment: the request's estimated USD cost with an estimate,
 * otherwise the sum of its input and output prices per million tokens (a proxy, not USD).
 */
export function estimatedCost(deployment: RouteDeployment, estimate?: TokenEstimate): number {
  if (!estimate) return deployment.inputPricePerMtok + deployment.outputPricePerMtok;
  return (
    (estimate.promptTokens * deployment.inputPricePerMtok +
      estimate.completionTokens * deployment.outputPricePerMtok) /
    1_000_000
  );
}

function orderByPriority(deployments: RouteDeployment[], random: () => number): RouteDeployment[] {
  const groups = new Map<number, RouteDeployment[]>();
  for (const deployment of deployments) {
    const group = groups.get(deployment.priority);
    if (group) group.push(deployment);
    else groups.set(deployment.priority, [deployment]);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .flatMap((priority) => weightedShuffle(groups.get(priority) ?? [], random));
}

/** Weighted random order without replacement; non-positive weights go last, in the given order. */
function weightedShuffle(deployments: RouteDeployment[], random: () => number): RouteDeployment[] {
  const pool = deployments.filter((d) => d.weight > 0);
  const zero = deployments.filter((d) => !(d.weight > 0));
  const ordered: RouteDeployment[] = [];
  let total = pool.reduce((sum, d) => sum + d.weight, 0);
  while (pool.length > 0) {
    const target = random() * total;
    let index = pool.length - 1; // guards against float rounding at the top of the range
    let cumulative = 0;
    for (let i = 0; i < pool.length; i++) {
      cumulative += pool[i].weight;
      if (target < cumulative) {
        index = i;
        break;
      }
    }
    const [picked] = pool.splice(index, 1);
    total -= picked.weight;
    ordered.push(picked);
  }
  return [...ordered, ...zero];
}

function orderByLatency(
  deployments: RouteDeployment[],
  health: Pick<DeploymentHealth, 'latencyEwma'>,
): RouteDeployment[] {
  const latency = new Map(deployments.map((d) => [d, health.latencyEwma(d.key)]));
  // Array.prototype.sort is stable, so full ties keep the configured order.
  return deployments.sort((a, b) => {
    const la = latency.get(a);
    const lb = latency.get(b);
    if (la === undefined || lb === undefined) {
      if (la !== lb) return la === undefined ? -1 : 1; // unsampled first: explore
    } else if (la !== lb) {
      return la - lb;
    }
    return a.priority - b.priority;
  });
}

function orderByCost(deployments: RouteDeployment[], estimate?: TokenEstimate): RouteDeployment[] {
  const cost = new Map(deployments.map((d) => [d, estimatedCost(d, estimate)]));
  return deployments.sort((a, b) => (cost.get(a) ?? 0) - (cost.get(b) ?? 0) || a.priority - b.priority);
}

function assertNever(strategy: never): never {
  throw new Error(`unknown route strategy: ${String(strategy)}`);
}

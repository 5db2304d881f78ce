/** Routing core: deployment health (breakers, latency EWMA), strategies and the fallback loop. */
export {
  DEFAULT_BREAKER_OPTIONS,
  DeploymentHealth,
  type BreakerOptions,
  type BreakerState,
  type BreakerTransitionListener,
} from './deployment-health';
export { estimatedCost, orderDeployments, type OrderOptions, type TokenEstimate } from './strategies';
export {
  AllDeploymentsFailedError,
  NoHealthyDeploymentError,
  runWithFallback,
  type AttemptContext,
  type AttemptRecord,
  type FallbackHealth,
  type FallbackOptions,
  type FallbackResult,
} from './fallback';

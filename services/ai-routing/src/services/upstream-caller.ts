import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import { counter, type Registry } from '@brainmesh/telemetry';
import type { AiRoutingConfig } from '../config';
import type { RouteDeployment } from '../domain/route';
import type { ProviderAdapter, UpstreamTarget } from '../domain/upstream';
import {
  DeploymentHealth,
  orderDeployments,
  runWithFallback,
  type FallbackResult,
  type TokenEstimate,
} from '../routing';
import { ProviderAdapters } from './provider-adapters';
import type { CallableRoute } from './route-resolver';

/** One attempt against one deployment: the adapter, its target, and the attempt's abort signal. */
export type UpstreamAttempt<T> = (
  adapter: ProviderAdapter,
  target: UpstreamTarget,
  signal: AbortSignal,
  deployment: RouteDeployment,
) => Promise<T>;

/**
 * Runs a call through a route: orders the deployments by the route's strategy, then tries them with
 * retries, backoff, circuit breakers and fallback (routing/). Breakers and latency averages are per
 * replica. Every attempt is counted by provider type and outcome.
 */
@Injectable()
export class UpstreamCaller {
  private readonly attempts;
  private readonly defaultTimeoutMs: number;

  constructor(
    readonly health: DeploymentHealth,
    private readonly adapters: ProviderAdapters,
    @Inject(SERVICE_CONFIG) config: AiRoutingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.defaultTimeoutMs = config.UPSTREAM_TIMEOUT_MS;
    this.attempts = counter(
      registry,
      'airouting_upstream_attempts_total',
      'Upstream attempts by provider type and outcome',
      ['provider_type', 'outcome'],
    );
    const transitions = counter(
      registry,
      'airouting_breaker_transitions_total',
      'Circuit breaker state changes',
      ['to'],
    );
    health.onTransition((key, from, to) => {
      transitions.inc({ to });
      this.logger.warn({ deployment: key, from, to }, `circuit breaker ${from} -> ${to}`);
    });
  }

  call<T>(
    callable: CallableRoute,
    estimate: TokenEstimate,
    signal: AbortSignal,
    attempt: UpstreamAttempt<T>,
  ): Promise<FallbackResult<T>> {
    const order = orderDeployments(callable.route, this.health, { random: Math.random, estimate });
    return runWithFallback(
      order,
      this.health,
      async ({ deployment, signal: attemptSignal }) => {
        const target = callable.targets.get(deployment.key)!;
        try {
          const value = await attempt(this.adapters.for(target.type), target, attemptSignal, deployment);
          this.attempts.inc({ provider_type: target.type, outcome: 'ok' });
          return value;
        } catch (err) {
          this.attempts.inc({
            provider_type: target.type,
            outcome: (err as { kind?: string }).kind ?? 'bug',
          });
          throw err;
        }
      },
      {
        signal,
        defaultTimeoutMs: this.defaultTimeoutMs,
        onAttemptFailed: (record, error) =>
          this.logger.warn(
            {
              deployment: record.deploymentKey,
              retry: record.retry,
              outcome: record.outcome,
              status: error.status,
            },
            'upstream attempt failed',
          ),
      },
    );
  }
}

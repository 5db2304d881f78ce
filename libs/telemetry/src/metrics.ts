import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

export { Registry } from 'prom-client';

/** A Prometheus registry for one service: default process metrics plus `service` on every series. */
export function createMetricsRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'brainmesh_' });
  return registry;
}

/** Latency buckets (seconds) suited to an API gateway: sub-millisecond to tens of seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Get-or-create helpers: several components (and, in the embedded mode, several services) may
 * ask for the same metric on one registry; the first definition wins.
 */
export function counter<T extends string>(registry: Registry, config: Omit<CounterConfiguration<T>, 'registers'>) {
  return (registry.getSingleMetric(config.name) as Counter<T> | undefined) ??
    new Counter<T>({ ...config, registers: [registry] });
}

export function gauge<T extends string>(registry: Registry, config: Omit<GaugeConfiguration<T>, 'registers'>) {
  return (registry.getSingleMetric(config.name) as Gauge<T> | undefined) ??
    new Gauge<T>({ ...config, registers: [registry] });
}

export function histogram<T extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<T>, 'registers'>,
) {
  return (registry.getSingleMetric(config.name) as Histogram<T> | undefined) ??
    new Histogram<T>({ buckets: LATENCY_BUCKETS, ...config, registers: [registry] });
}

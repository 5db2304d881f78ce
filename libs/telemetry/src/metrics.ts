import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Registry } from 'prom-client';

/** A Prometheus registry for one service: default process metrics plus `service` on every series. */
export function createMetricsRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'brainmesh_' });
  return registry;
}

/** Latency buckets (seconds) suited to an API gateway: sub-millisecond to tens of seconds. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

type MetricClass<M> = abstract new (...args: never[]) => M;

function getOrCreate<M>(registry: Registry, name: string, kind: MetricClass<M>, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered with another type`);
}

/**
 * Get-or-create helpers: several components (and, in the embedded mode, several services) may
 * ask for the same metric on one registry; the first definition wins.
 */
export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
) {
  return getOrCreate(
    registry,
    name,
    Counter<L>,
    () => new Counter<L>({ name, help, labelNames, registers: [registry] }),
  );
}

export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
) {
  return getOrCreate(
    registry,
    name,
    Gauge<L>,
    () => new Gauge<L>({ name, help, labelNames, registers: [registry] }),
  );
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = LATENCY_BUCKETS,
) {
  return getOrCreate(
    registry,
    name,
    Histogram<L>,
    () => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] }),
  );
}

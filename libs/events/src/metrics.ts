import { Counter, Gauge, register as defaultRegistry, type Registry } from 'prom-client';

type MetricClass<M> = new (...args: never[]) => M;

function getOrCreate<M>(registry: Registry, name: string, kind: MetricClass<M>, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered with another type`);
}

/** Get-or-create a counter: safe when several services share one registry in one process. */
export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
  return getOrCreate(registry, name, Counter<L>, () => new Counter<L>({ name, help, labelNames, registers: [registry] }));
}

/** Get-or-create a gauge (see `counter`). */
export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
  return getOrCreate(registry, name, Gauge<L>, () => new Gauge<L>({ name, help, labelNames, registers: [registry] }));
}

/** Metrics of event consumption, shared by both buses and the idempotent consumer. */
export function consumerMetrics(registry: Registry = defaultRegistry) {
  return {
    consumed: counter(registry, 'events_consumed_total', 'Events handled successfully by a subscription', [
      'service',
      'topic',
      'group',
    ]),
    handlerFailures: counter(registry, 'events_handler_failures_total', 'Event handler failures (each is retried)', [
      'service',
      'topic',
      'group',
    ]),
    malformed: counter(registry, 'events_malformed_total', 'Messages skipped because they are not valid event envelopes', [
      'service',
      'topic',
      'group',
    ]),
    duplicates: counter(registry, 'events_duplicates_total', 'Redelivered events skipped by the idempotent consumer', [
      'service',
      'group',
    ]),
  };
}

/** Metrics of the transactional outbox relay. */
export function outboxMetrics(registry: Registry = defaultRegistry) {
  return {
    pending: gauge(registry, 'outbox_pending', 'Outbox events not yet published', ['service']),
    lagSeconds: gauge(registry, 'outbox_lag_seconds', 'Age of the oldest unpublished outbox event', ['service']),
    published: counter(registry, 'events_published_total', 'Events published from the outbox', ['service', 'topic']),
    publishFailures: counter(registry, 'outbox_publish_failures_total', 'Failed outbox publish attempts', ['service']),
  };
}

import { counter, gauge } from '@brainmesh/telemetry';
import { register as defaultRegistry, type Registry } from 'prom-client';

/** Metrics of event consumption, shared by both buses and the idempotent consumer. */
export function consumerMetrics(registry: Registry = defaultRegistry) {
  return {
    consumed: counter(registry, 'events_consumed_total', 'Events handled successfully by a subscription', [
      'service',
      'topic',
      'group',
    ]),
    handlerFailures: counter(
      registry,
      'events_handler_failures_total',
      'Event handler failures (each is retried)',
      ['service', 'topic', 'group'],
    ),
    malformed: counter(
      registry,
      'events_malformed_total',
      'Messages skipped because they are not valid event envelopes',
      ['service', 'topic', 'group'],
    ),
    duplicates: counter(
      registry,
      'events_duplicates_total',
      'Redelivered events skipped by the idempotent consumer',
      ['service', 'group'],
    ),
  };
}

/** Metrics of the transactional outbox relay. */
export function outboxMetrics(registry: Registry = defaultRegistry) {
  return {
    pending: gauge(registry, 'outbox_pending', 'Outbox events not yet published', ['service']),
    lagSeconds: gauge(registry, 'outbox_lag_seconds', 'Age of the oldest unpublished outbox event', [
      'service',
    ]),
    published: counter(registry, 'events_published_total', 'Events published from the outbox', [
      'service',
      'topic',
    ]),
    publishFailures: counter(registry, 'outbox_publish_failures_total', 'Failed outbox publish attempts', [
      'service',
    ]),
  };
}

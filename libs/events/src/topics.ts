/**
 * Every Kafka topic of the platform, in one place. Versioned names: a breaking change of a topic's
 * contract gets a new topic (`.v2`) rather than an in-place change.
 *
 * | topic                       | producer      | consumers                          |
 * |-----------------------------|---------------|------------------------------------|
 * | brainmesh.diagnostics.v1    | any service   | any service (smoke tests, probes)  |
 * | brainmesh.auth.v1           | auth          | gateway, analytics                 |
 * | brainmesh.usage.v1          | ai-routing    | analytics                          |
 * | brainmesh.knowledge.v1      | knowledge     | orchestrator, analytics            |
 * | brainmesh.orchestrator.v1   | orchestrator  | analytics                          |
 *
 * For all topics: message key = tenant id (per-tenant order), 6 partitions, value = JSON event
 * envelope, headers `traceparent`, `event-type`, `event-id`, `event-version`.
 */
export const TOPICS = {
  diagnostics: 'brainmesh.diagnostics.v1',
  auth: 'brainmesh.auth.v1',
  usage: 'brainmesh.usage.v1',
  knowledge: 'brainmesh.knowledge.v1',
  orchestrator: 'brainmesh.orchestrator.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Partitions of every platform topic (created with this count when missing). */
export const DEFAULT_PARTITIONS = 6;

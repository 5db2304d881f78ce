export { DEFAULT_PARTITIONS, TOPICS, type TopicName } from './topics';
export {
  EventValidationError,
  decodeEnvelope,
  envelopeSchema,
  parseEnvelope,
  type EventEnvelope,
} from './envelope';
export {
  EventCatalog,
  defineEvent,
  eventCatalog,
  type CreateEventOptions,
  type DefineEventInput,
  type EventDefinition,
} from './define-event';
export { DiagnosticsProbeEvent, type DiagnosticsProbe } from './definitions/diagnostics';
export {
  BudgetThresholdReachedEvent,
  USAGE_STATUSES,
  UsageRecordedEvent,
  type BudgetThresholdReached,
  type UsageRecorded,
} from './definitions/usage';
export type {
  EventBus,
  EventHandler,
  MessageMeta,
  OutgoingMessage,
  RetryOptions,
  SubscribeOptions,
  Subscription,
} from './bus/event-bus';
export { KafkaEventBus, type KafkaEventBusOptions } from './bus/kafka-event-bus';
export { InProcessEventBus, type InProcessEventBusOptions } from './bus/in-process-event-bus';
export { EVENT_ENTITIES, OutboxEventEntity, ProcessedEventEntity } from './outbox/entities';
export { CreateEventTables1732300000000 } from './outbox/create-event-tables.migration';
export { OutboxTransactionError, OutboxWriter, type OutboxWriterOptions } from './outbox/outbox-writer';
export {
  OutboxRelay,
  type OutboxRelayOptions,
  type RelayBatchResult,
  type StopOptions,
} from './outbox/outbox-relay';
export {
  IdempotentConsumer,
  handleOnce,
  type HandleOnceOptions,
  type HandleOnceResult,
  type IdempotentConsumerOptions,
} from './outbox/idempotent-consumer';
export { pruneEventTables, type PruneOptions } from './outbox/prune';
export { activeTraceparent } from './tracing';

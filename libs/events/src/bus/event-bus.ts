import type { EventEnvelope } from '../envelope';

export interface OutgoingMessage {
  topic: string;
  /** Partitioning key; normally `envelope.key`. */
  key: string;
  envelope: EventEnvelope;
}

export interface MessageMeta {
  topic: string;
  partition: number;
  /** Offset in the partition (a decimal string, as Kafka offsets exceed 2^53 in theory). */
  offset: string;
}

export type EventHandler = (envelope: EventEnvelope, meta: MessageMeta) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: each group gets every message once (at least once); members share partitions. */
  groupId: string;
  topics: string[];
  /**
   * Where a group without committed offsets starts: the beginning of the topics, or (default) the
   * end as of `subscribe()`. Ignored once the group has committed offsets.
   */
  fromBeginning?: boolean;
  /**
   * Called for each message, in order per partition (so per key). The offset is committed only
   * after it resolves; if it throws, it is retried with backoff (never skipped), so handlers must
   * be idempotent (see `handleOnce`).
   */
  handler: EventHandler;
}

export interface Subscription {
  /** Leaves the group after the in-flight message (an unfinished one is redelivered later). */
  stop(): Promise<void>;
}

/** Port for publishing and consuming domain events (Kafka, or in memory in the embedded mode). */
export interface EventBus {
  connect(): Promise<void>;
  /** Stops every subscription and releases connections. */
  disconnect(): Promise<void>;
  /** Resolves only when every message is durably accepted (Kafka: acks from all in-sync replicas). */
  publish(messages: OutgoingMessage[]): Promise<void>;
  /** Resolves once the subscription is active (group joined, start offsets fixed). */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  isHealthy(): Promise<boolean>;
}

export interface RetryOptions {
  /** First delay after a failure (default 200 ms). */
  initialMs?: number;
  /** Cap of the exponential backoff (default 10 s). */
  maxMs?: number;
}

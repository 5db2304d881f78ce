import {
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type EachMessagePayload,
  type IHeaders,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { backoffDelay, errorMessage, sleep } from '../backoff';
import { EventValidationError, decodeEnvelope, type EventEnvelope } from '../envelope';
import { consumerMetrics } from '../metrics';
import { DEFAULT_PARTITIONS, TOPICS } from '../topics';
import { inConsumerSpan } from '../tracing';
import type {
  EventBus,
  MessageMeta,
  OutgoingMessage,
  RetryOptions,
  SubscribeOptions,
  Subscription,
} from './event-bus';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-logger';

export interface KafkaEventBusOptions {
  clientId: string;
  brokers: string[];
  /** Partitions of topics this bus creates (default 6). */
  numPartitions?: number;
  /** Replication factor of created topics (default -1: the broker's default). */
  replicationFactor?: number;
  /** Topics created on `connect()` (default: every platform topic in `TOPICS`). */
  topics?: string[];
  logger: Logger;
  registry?: Registry;
  /** `service` label of the metrics (default `clientId`). */
  service?: string;
  /** Backoff of failing handlers. */
  retry?: RetryOptions;
  /** How long `subscribe()` waits for the first group join (default 60 s). */
  joinTimeoutMs?: number;
  /** Broker ack timeout of a publish (default 30 s). */
  publishTimeoutMs?: number;
}

const HEADER = {
  traceparent: 'traceparent',
  type: 'event-type',
  id: 'event-id',
  version: 'event-version',
} as const;

function headersOf(envelope: EventEnvelope): IHeaders {
  const headers: IHeaders = {
    [HEADER.type]: envelope.type,
    [HEADER.id]: envelope.id,
    [HEADER.version]: String(envelope.version),
  };
  if (envelope.traceparent) headers[HEADER.traceparent] = envelope.traceparent;
  return headers;
}

function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

/**
 * The EventBus on Kafka (kafkajs). Publishing uses an idempotent producer with acks from all
 * in-sync replicas; missing topics are created (with `numPartitions`) before first use. Each
 * subscription is its own consumer: one message at a time per consumer (per-partition, so
 * per-key, order), the handler runs in a CONSUMER span continuing the producer's trace, a failing
 * handler is retried with backoff without skipping, and the offset is committed only after the
 * handler succeeded (at least once).
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly metrics;
  private readonly service: string;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private admin?: Admin;
  private producer?: Producer;
  private producerConnecting?: Promise<Producer>;
  private connecting?: Promise<void>;

  constructor(private readonly options: KafkaEventBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaEventBus: brokers must not be empty');
    this.logger = options.logger.child({ component: 'event-bus', bus: 'kafka' });
    this.metrics = consumerMetrics(options.registry);
    this.service = options.service ?? options.clientId;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
      logLevel: kafkaLogLevel(this.logger),
      logCreator: kafkaLogCreator(this.logger),
    });
  }

  connect(): Promise<void> {
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      await this.ensureTopics(this.options.topics ?? Object.values(TOPICS));
      await this.getProducer();
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    const producer = this.producer;
    const admin = this.admin;
    this.producer = undefined;
    this.producerConnecting = undefined;
    this.admin = undefined;
    this.connecting = undefined;
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
  }

  async isHealthy(): Promise<boolean> {
    const admin = this.admin;
    if (!admin) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const cluster = await Promise.race([
        admin.describeCluster(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), 5_000);
        }),
      ]);
      return cluster.brokers.length > 0;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.requireConnected();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await this.ensureTopics([...byTopic.keys()]);
    const producer = await this.getProducer();
    try {
      await producer.sendBatch({
        acks: -1,
        timeout: this.options.publishTimeoutMs ?? 30_000,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((m) => ({
            key: m.key,
            value: JSON.stringify(m.envelope),
            headers: headersOf(m.envelope),
          })),
        })),
      });
    } catch (err) {
      // The idempotent producer's sequence numbers may now be out of step with the broker (e.g. a
      // batch written but not acknowledged); start over with a new producer id for the retry.
      if (this.producer === producer) {
        this.producer = undefined;
        this.producerConnecting = undefined;
        producer.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (options.topics.length === 0) throw new Error('subscribe: topics must not be empty');
    const admin = await this.requireConnected();
    await this.ensureTopics(options.topics);
    const startOffsets = options.fromBeginning
      ? []
      : await this.endOffsetsOfUncommitted(admin, options.groupId, options.topics);
    const subscription = new KafkaSubscription(
      this.kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: 30_000,
        rebalanceTimeout: 60_000,
        heartbeatInterval: 3_000,
        maxWaitTimeInMs: 1_000,
        retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 },
      }),
      options,
      {
        logger: this.logger.child({ group: options.groupId }),
        metrics: this.metrics,
        service: this.service,
        retryInitialMs: this.options.retry?.initialMs ?? 200,
        retryMaxMs: this.options.retry?.maxMs ?? 10_000,
        startOffsets,
        onStopped: (s) => this.subscriptions.delete(s),
      },
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start(this.options.joinTimeoutMs ?? 60_000);
    } catch (err) {
      await subscription.stop();
      throw err;
    }
    return subscription;
  }

  private async requireConnected(): Promise<Admin> {
    if (!this.connecting) throw new Error('KafkaEventBus is not connected (call connect())');
    await this.connecting;
    if (!this.admin) throw new Error('KafkaEventBus is disconnected');
    return this.admin;
  }

  private getProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.producerConnecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 300, retries: 5, maxRetryTime: 5_000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().catch((err: unknown) => {
      this.producerConnecting = undefined;
      throw err;
    });
    return this.producerConnecting;
  }

  /** Creates the topics this bus has not seen yet (an existing topic is left as it is). */
  private async ensureTopics(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0 || !this.admin) return;
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({
          topic,
          numPartitions: this.options.numPartitions ?? DEFAULT_PARTITIONS,
          replicationFactor: this.options.replicationFactor ?? -1,
        })),
      });
      this.logger.info({ topics: toCreate }, 'created topics');
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  /** Current end offsets of the partitions for which the group has no committed offset. */
  private async endOffsetsOfUncommitted(
    admin: Admin,
    groupId: string,
    topics: string[],
  ): Promise<TopicPartitionOffset[]> {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const result: TopicPartitionOffset[] = [];
    for (const { topic, partitions } of committed) {
      const unset = new Set(partitions.filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition));
      if (unset.size === 0) continue;
      for (const end of await admin.fetchTopicOffsets(topic)) {
        if (unset.has(end.partition)) result.push({ topic, partition: end.partition, offset: end.high });
      }
    }
    return result;
  }
}

interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

interface SubscriptionDeps {
  logger: Logger;
  metrics: ReturnType<typeof consumerMetrics>;
  service: string;
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * Where a new group starts (partitions without committed offsets, `fromBeginning: false`): the
   * end offsets as of `subscribe()`. Committed once the member has its assignment, so that a
   * restart before the first handled message does not jump to a later "latest".
   */
  startOffsets: TopicPartitionOffset[];
  onStopped(subscription: KafkaSubscription): void;
}

/** One consumer-group member running `options.handler`. */
class KafkaSubscription implements Subscription {
  private readonly abort = new AbortController();
  private stopping?: Promise<void>;
  private initialCommit?: Promise<void>;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    private readonly deps: SubscriptionDeps,
  ) {}

  /**
   * Connects, joins the group (kafkajs retries while the coordinator loads, e.g. on a fresh KRaft
   * broker) and resolves once the member has fetched from its start positions, so anything
   * published after `subscribe()` resolves is seen.
   */
  async start(joinTimeoutMs: number): Promise<void> {
    const { consumer } = this;
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        if (joined) return;
        joined = true;
        const assignment = event.payload.memberAssignment;
        const owned = this.deps.startOffsets.filter((o) => assignment[o.topic]?.includes(o.partition));
        if (owned.length > 0) {
          // Before the first fetch: position there (no later "latest") and commit it. If that
          // fails, kafkajs' own default (the end at the first fetch) applies: log, carry on.
          const degrade = (err: unknown) =>
            this.deps.logger.warn({ err }, 'could not pin the start offsets of a new consumer group');
          try {
            for (const o of owned) consumer.seek(o);
            this.initialCommit = consumer.commitOffsets(owned).catch(degrade);
          } catch (err) {
            degrade(err);
          }
        }
        if (Object.values(assignment).every((partitions) => partitions.length === 0)) resolve();
      });
      const removeFetch = consumer.on(consumer.events.FETCH, () => {
        if (!joined) return;
        removeFetch();
        void (this.initialCommit ?? Promise.resolve()).then(resolve);
      });
      consumer.on(consumer.events.CRASH, (event) => {
        const { error, restart } = event.payload;
        this.deps.logger.error({ err: error, restart }, `consumer crashed${restart ? ', restarting' : ''}`);
        if (!restart) reject(error);
      });
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `consumer group ${this.options.groupId} did not become ready within ${joinTimeoutMs} ms`,
            ),
          ),
        joinTimeoutMs,
      );
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning ?? false,
      });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachMessage: (payload) => this.eachMessage(payload),
      });
      await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      try {
        await this.consumer.disconnect();
      } finally {
        this.deps.onStopped(this);
      }
    })();
    return this.stopping;
  }

  private async eachMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    // Once stopping, touch nothing: an uncommitted message is redelivered to the next member.
    if (this.abort.signal.aborted) return;
    // Never let the start-offset commit land after (and so rewind) a handler's commit.
    if (this.initialCommit) await this.initialCommit;
    const { logger, metrics, service } = this.deps;
    const group = this.options.groupId;
    const labels = { service, topic, group };
    const meta: MessageMeta = { topic, partition, offset: message.offset };
    let envelope: EventEnvelope;
    try {
      envelope = decodeEnvelope(message.value);
    } catch (err) {
      if (!(err instanceof EventValidationError)) throw err;
      // Retrying cannot fix a message that is not an event: log it loudly and move on.
      metrics.malformed.inc(labels);
      logger.error(
        { err, ...meta, eventId: headerString(message.headers, HEADER.id) },
        'skipping a message that is not a valid event envelope',
      );
      await this.commit(topic, partition, message.offset);
      return;
    }
    const traceparent = headerString(message.headers, HEADER.traceparent) ?? envelope.traceparent;
    const span = {
      topic,
      group,
      partition,
      offset: message.offset,
      eventId: envelope.id,
      eventType: envelope.type,
      key: message.key?.toString() ?? envelope.key,
      system: 'kafka' as const,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await inConsumerSpan(traceparent, span, () => this.options.handler(envelope, meta));
        break;
      } catch (err) {
        metrics.handlerFailures.inc(labels);
        const delayMs = backoffDelay(attempt, this.deps.retryInitialMs, this.deps.retryMaxMs);
        logger.warn(
          { err, ...meta, eventId: envelope.id, eventType: envelope.type, attempt, retryInMs: delayMs },
          `event handler failed, retrying: ${errorMessage(err)}`,
        );
        await sleep(delayMs, this.abort.signal);
        if (this.abort.signal.aborted) return;
        // Keep the group membership alive while retrying (throws if a rebalance revoked us).
        await heartbeat();
      }
    }
    await this.commit(topic, partition, message.offset);
    metrics.consumed.inc(labels);
  }

  private commit(topic: string, partition: number, offset: string): Promise<void> {
    return this.consumer.commitOffsets([{ topic, partition, offset: nextOffset(offset) }]);
  }
}

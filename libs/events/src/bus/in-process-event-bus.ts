import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventEnvelope } from '../envelope';
import { backoffDelay, errorMessage, sleep } from '../backoff';
import { consumerMetrics } from '../metrics';
import { DEFAULT_PARTITIONS } from '../topics';
import { inConsumerSpan } from '../tracing';
import type {
  EventBus,
  EventHandler,
  OutgoingMessage,
  RetryOptions,
  SubscribeOptions,
  Subscription,
} from './event-bus';
import { partitionFor } from './partitioner';

export interface InProcessEventBusOptions {
  logger: Logger;
  registry?: Registry;
  /** `service` label of the metrics (default `embedded`). */
  service?: string;
  /** Partitions per topic (default 6, like Kafka): order is per partition, so per key. */
  numPartitions?: number;
  retry?: RetryOptions;
  /**
   * Messages kept per partition once every group has consumed them (default 10 000), for groups
   * that subscribe later `fromBeginning`. Unconsumed messages are always kept.
   */
  retainPerPartition?: number;
}

interface LogEntry {
  key: string;
  /** Serialized like a Kafka message value, so handlers never share objects with the producer. */
  value: string;
}

/** One partition: entries from offset `base` on (older ones were trimmed). */
class PartitionLog {
  base = 0;
  readonly entries: LogEntry[] = [];

  get end(): number {
    return this.base + this.entries.length;
  }

  at(offset: number): LogEntry | undefined {
    return this.entries[offset - this.base];
  }

  /** Drops entries before `offset` (in chunks, so trimming stays cheap). */
  trimBefore(offset: number): void {
    const drop = Math.min(offset - this.base, this.entries.length);
    if (drop < 1_000 && drop < this.entries.length) return;
    if (drop <= 0) return;
    this.entries.splice(0, drop);
    this.base += drop;
  }
}

interface Member {
  readonly topics: ReadonlySet<string>;
  readonly handler: EventHandler;
  readonly abort: AbortController;
  readonly inFlight: Set<Promise<unknown>>;
}

interface Group {
  readonly id: string;
  /** Next offset to deliver per `topic#partition`. */
  readonly committed: Map<string, number>;
  /** In join order; partition p of a topic goes to member p mod n of those subscribed to it. */
  readonly members: Member[];
  /** Partitions whose delivery loop is running, and those asked to run again. */
  readonly running: Set<string>;
  readonly rerun: Set<string>;
}

const tpKey = (topic: string, partition: number) => `${topic}#${partition}`;

/**
 * The EventBus in memory, for the embedded single-process mode: an append-only log per topic
 * partition and committed offsets per consumer group, with Kafka's semantics — delivery happens
 * after `publish` resolves, in order per partition (so per key), at least once; a failing handler
 * is retried with backoff and its message is never skipped. Nothing survives the process.
 */
export class InProcessEventBus implements EventBus {
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly metrics;
  private readonly service: string;
  private readonly partitions: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly retain: number;
  private connected = false;

  constructor(private readonly options: InProcessEventBusOptions) {
    this.metrics = consumerMetrics(options.registry);
    this.service = options.service ?? 'embedded';
    this.partitions = options.numPartitions ?? DEFAULT_PARTITIONS;
    this.retryInitialMs = options.retry?.initialMs ?? 200;
    this.retryMaxMs = options.retry?.maxMs ?? 10_000;
    this.retain = options.retainPerPartition ?? 10_000;
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    const members = [...this.groups.values()].flatMap((g) => g.members);
    await Promise.all(members.map((m) => this.leave(m)));
  }

  async isHealthy(): Promise<boolean> {
    return this.connected;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertConnected();
    const touched = new Set<string>();
    const entries = messages.map((m) => ({ topic: m.topic, key: m.key, value: JSON.stringify(m.envelope) }));
    for (const { topic, key, value } of entries) {
      const partition = partitionFor(key, this.partitions);
      const log = this.topicLog(topic)[partition];
      log.entries.push({ key, value });
      touched.add(tpKey(topic, partition));
      this.trim(topic, partition, log);
    }
    // Deliver after publish has resolved, as a broker would.
    setImmediate(() => {
      for (const group of this.groups.values()) {
        for (const tp of touched) {
          const [topic, partition] = this.splitTp(tp);
          this.pump(group, topic, partition);
        }
      }
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertConnected();
    if (options.topics.length === 0) throw new Error('subscribe: topics must not be empty');
    const group = this.group(options.groupId);
    for (const topic of options.topics) {
      const log = this.topicLog(topic);
      log.forEach((partitionLog, partition) => {
        const tp = tpKey(topic, partition);
        if (!group.committed.has(tp))
          group.committed.set(tp, options.fromBeginning ? partitionLog.base : partitionLog.end);
      });
    }
    const member: Member = {
      topics: new Set(options.topics),
      handler: options.handler,
      abort: new AbortController(),
      inFlight: new Set(),
    };
    group.members.push(member);
    this.pumpGroup(group);
    return { stop: () => this.leave(member) };
  }

  /**
   * Waits until every consumer group that has members has handled everything published so far
   * (the embedded runner calls it at shutdown, after flushing the outboxes, so no event published
   * in this process is left unconsumed). Resolves false if that takes longer than `timeoutMs`.
   */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.pendingDeliveries() === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(20);
    }
  }

  /** Messages published but not yet committed by a group with a member subscribed to their topic. */
  pendingDeliveries(): number {
    let pending = 0;
    for (const group of this.groups.values()) {
      for (const [tp, committed] of group.committed) {
        const [topic, partition] = this.splitTp(tp);
        if (!group.members.some((m) => m.topics.has(topic))) continue;
        pending += this.topicLog(topic)[partition]!.end - committed;
      }
    }
    return pending;
  }

  private async leave(member: Member): Promise<void> {
    member.abort.abort();
    for (const group of this.groups.values()) {
      const index = group.members.indexOf(member);
      if (index >= 0) group.members.splice(index, 1);
    }
    await Promise.allSettled([...member.inFlight]);
    // Hand the partitions over to the remaining members, from the committed offsets.
    for (const group of this.groups.values()) this.pumpGroup(group);
  }

  private assertConnected(): void {
    if (!this.connected) throw new Error('InProcessEventBus is not connected (call connect())');
  }

  private topicLog(topic: string): PartitionLog[] {
    let log = this.logs.get(topic);
    if (!log) {
      log = Array.from({ length: this.partitions }, () => new PartitionLog());
      this.logs.set(topic, log);
    }
    return log;
  }

  /** Keeps what some group has yet to consume, plus the last `retainPerPartition` messages. */
  private trim(topic: string, partition: number, log: PartitionLog): void {
    const tp = tpKey(topic, partition);
    let keepFrom = log.end - this.retain;
    for (const group of this.groups.values()) {
      const committed = group.committed.get(tp);
      if (committed !== undefined) keepFrom = Math.min(keepFrom, committed);
    }
    if (keepFrom > log.base) log.trimBefore(keepFrom);
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { id: groupId, committed: new Map(), members: [], running: new Set(), rerun: new Set() };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private splitTp(tp: string): [string, number] {
    const at = tp.lastIndexOf('#');
    return [tp.slice(0, at), Number(tp.slice(at + 1))];
  }

  private pumpGroup(group: Group): void {
    for (const tp of group.committed.keys()) {
      const [topic, partition] = this.splitTp(tp);
      this.pump(group, topic, partition);
    }
  }

  private owner(group: Group, topic: string, partition: number): Member | undefined {
    const candidates = group.members.filter((m) => m.topics.has(topic) && !m.abort.signal.aborted);
    return candidates.length ? candidates[partition % candidates.length] : undefined;
  }

  /** Runs the delivery loop of one group partition unless it is running (then it loops again). */
  private pump(group: Group, topic: string, partition: number): void {
    const tp = tpKey(topic, partition);
    if (!group.committed.has(tp)) return;
    if (group.running.has(tp)) {
      group.rerun.add(tp);
      return;
    }
    group.running.add(tp);
    void this.deliverLoop(group, topic, partition).finally(() => {
      group.running.delete(tp);
      if (group.rerun.delete(tp)) this.pump(group, topic, partition);
    });
  }

  private async deliverLoop(group: Group, topic: string, partition: number): Promise<void> {
    const tp = tpKey(topic, partition);
    const groupId = group.id;
    const log = this.topicLog(topic)[partition];
    let attempt = 0;
    for (;;) {
      group.rerun.delete(tp);
      const offset = Math.max(group.committed.get(tp) ?? 0, log.base);
      const member = this.owner(group, topic, partition);
      const entry = log.at(offset);
      if (!member || !entry) return;
      const delivery = this.deliver(member, groupId, topic, partition, offset, entry);
      member.inFlight.add(delivery);
      try {
        await delivery;
        group.committed.set(tp, offset + 1);
        attempt = 0;
        this.metrics.consumed.inc({ service: this.service, topic, group: groupId });
      } catch (err) {
        attempt += 1;
        this.metrics.handlerFailures.inc({ service: this.service, topic, group: groupId });
        const delayMs = backoffDelay(attempt, this.retryInitialMs, this.retryMaxMs);
        this.options.logger.warn(
          { err, topic, partition, offset, group: groupId, attempt, retryInMs: delayMs },
          `event handler failed, retrying: ${errorMessage(err)}`,
        );
        await sleep(delayMs, member.abort.signal);
      } finally {
        member.inFlight.delete(delivery);
      }
    }
  }

  private async deliver(
    member: Member,
    group: string,
    topic: string,
    partition: number,
    offset: number,
    entry: LogEntry,
  ): Promise<void> {
    const envelope = JSON.parse(entry.value) as EventEnvelope;
    const meta = { topic, partition, offset: String(offset) };
    await inConsumerSpan(
      envelope.traceparent,
      {
        topic,
        group,
        partition,
        offset: meta.offset,
        eventId: envelope.id,
        eventType: envelope.type,
        key: entry.key,
        system: 'in-process',
      },
      () => member.handler(envelope, meta),
    );
  }
}

import { trace } from '@opentelemetry/api';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { requireInfraEnv, uniqueName, waitFor } from '@brainmesh/testing';
import {
  EventCatalog,
  IdempotentConsumer,
  KafkaEventBus,
  OutboxRelay,
  OutboxWriter,
  TOPICS,
  defineEvent,
  type EventDefinition,
  type EventEnvelope,
  type Subscription,
} from '../../src';
import { captureLogger } from '../support/logger';
import {
  FlakyBus,
  kafkaAdmin,
  metricValue,
  note,
  openPostgres,
  outboxRows,
  receivedRows,
  recordReceived,
  type TestDb,
} from '../support/medium';
import { installTestTracing } from '../support/otel';

jest.setTimeout(120_000);

const WAIT = { timeoutMs: 60_000, intervalMs: 50 };

describe('transactional outbox -> real Kafka -> idempotent consumer (real Postgres)', () => {
  const { logger, lines } = captureLogger('info');
  let brokers: string[];
  let admin: Admin;
  let relayBus: KafkaEventBus;
  let tracing: ReturnType<typeof installTestTracing>;

  // Per test: a fresh database, a topic, an event definition on it, a metrics registry.
  let db: TestDb;
  let topic: string;
  let Ping: EventDefinition<{ note: string }>;
  let outbox: OutboxWriter;
  let registry: Registry;
  let consumerBus: KafkaEventBus;
  const relays: OutboxRelay[] = [];
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    brokers = requireInfraEnv().kafkaBrokers;
    tracing = installTestTracing();
    admin = await kafkaAdmin();
    relayBus = new KafkaEventBus({ clientId: uniqueName('relay'), brokers, logger, topics: [] });
    await relayBus.connect();
  });

  afterAll(async () => {
    await Promise.allSettled([relayBus?.disconnect(), admin?.disconnect()]);
    tracing?.uninstall();
  });

  beforeEach(async () => {
    db = await openPostgres('events', logger);
    topic = uniqueName('medium.outbox');
    const catalog = new EventCatalog();
    Ping = defineEvent({
      type: 'medium.ping',
      version: 1,
      topic,
      schema: z.object({ note: z.string() }),
      catalog,
    });
    outbox = new OutboxWriter({ catalog });
    registry = new Registry();
    consumerBus = new KafkaEventBus({
      clientId: uniqueName('consumer'),
      brokers,
      logger,
      registry,
      topics: [],
    });
    await consumerBus.connect();
  });

  afterEach(async () => {
    await Promise.allSettled(subscriptions.splice(0).map((s) => s.stop()));
    await Promise.allSettled(relays.splice(0).map((r) => r.stop({ flush: false, timeoutMs: 5_000 })));
    await consumerBus?.disconnect();
    await db?.close();
  });

  const newRelay = (overrides: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) => {
    const relay = new OutboxRelay({
      dataSource: db.ds,
      bus: relayBus,
      service: 'medium',
      pollIntervalMs: 50,
      logger,
      registry,
      ...overrides,
    });
    relays.push(relay);
    relay.start();
    return relay;
  };

  const subscribeRecording = async (groupId: string, onHandled?: (e: EventEnvelope) => void) => {
    const consumer = new IdempotentConsumer({
      dataSource: db.ds,
      consumerGroup: groupId,
      service: 'medium',
      registry,
      logger,
    });
    const sub = await consumerBus.subscribe({
      groupId,
      topics: [topic],
      handler: async (envelope) => {
        await consumer.handle(envelope, (manager) => recordReceived(manager, envelope));
        onHandled?.(envelope);
      },
    });
    subscriptions.push(sub);
    return sub;
  };

  /** Writes one event per note, each in its own transaction together with a state change. */
  const commit = async (tenant: string, notes: string[], relay?: OutboxRelay) => {
    for (const n of notes) {
      await db.ds.transaction(async (manager) => {
        await manager.query('INSERT INTO widgets (name) VALUES ($1)', [n]);
        await outbox.add(manager, Ping.create(tenant, { note: n }));
      });
      relay?.notify();
    }
  };

  it('creates the platform topics on connect and event topics with 6 partitions', async () => {
    const platformBus = new KafkaEventBus({ clientId: uniqueName('platform'), brokers, logger });
    await platformBus.connect();
    await platformBus.disconnect();
    const topics = await admin.listTopics();
    for (const t of Object.values(TOPICS)) expect(topics).toContain(t);
    const relay = newRelay();
    await commit('t1', ['x'], relay);
    await waitFor(async () => (await outboxRows(db.ds))[0]?.published_at, {
      ...WAIT,
      description: 'publication',
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(6);
  });

  it('(1) relays committed events to Kafka and applies each once, in order per key, in the producer trace', async () => {
    const traceIds = new Map<string, string | undefined>();
    await subscribeRecording(uniqueName('g'), (e) =>
      traceIds.set(e.id, trace.getActiveSpan()?.spanContext().traceId),
    );
    const relay = newRelay();
    const tenants = ['acme', 'globex', 'initech'];
    let requestTraceId = '';
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      requestTraceId = span.spanContext().traceId;
      await Promise.all(
        tenants.map((t) =>
          commit(
            t,
            Array.from({ length: 10 }, (_, i) => `${t}-${i}`),
            relay,
          ),
        ),
      );
      span.end();
    });

    const rows = await waitFor(
      async () => {
        const r = await receivedRows(db.ds);
        return r.length >= 30 ? r : undefined;
      },
      { ...WAIT, description: '30 received events' },
    );
    expect(rows).toHaveLength(30);
    for (const t of tenants) {
      expect(rows.filter((r) => r.key === t).map((r) => r.note)).toEqual(
        Array.from({ length: 10 }, (_, i) => `${t}-${i}`),
      );
    }
    const outboxState = await outboxRows(db.ds);
    expect(outboxState.every((r) => r.published_at !== null && r.attempts === 0)).toBe(true);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(outboxState.map((r) => r.id)));
    expect([...traceIds.values()].every((id) => id === requestTraceId)).toBe(true);
    expect(await metricValue(registry, 'events_published_total', { topic })).toBe(30);
    await waitFor(async () => (await metricValue(registry, 'events_consumed_total', { topic })) === 30, WAIT);
    expect(await metricValue(registry, 'events_duplicates_total')).toBe(0);
    await waitFor(
      async () =>
        (await registry.getSingleMetricAsString('outbox_pending')).includes(
          'outbox_pending{service="medium"} 0',
        ),
      WAIT,
    );
  });

  it('(2) writes no event when the transaction rolls back', async () => {
    await subscribeRecording(uniqueName('g'));
    const relay = newRelay();
    await expect(
      db.ds.transaction(async (manager) => {
        await manager.query("INSERT INTO widgets (name) VALUES ('doomed')");
        await outbox.add(manager, Ping.create('t1', { note: 'doomed' }));
        throw new Error('business rule violated');
      }),
    ).rejects.toThrow('business rule violated');
    expect(await outboxRows(db.ds)).toEqual([]);
    expect(await db.ds.query('SELECT * FROM widgets')).toEqual([]);

    await commit('t1', ['kept'], relay);
    await waitFor(async () => (await receivedRows(db.ds)).length === 1, {
      ...WAIT,
      description: 'the committed event',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await receivedRows(db.ds)).map((r) => r.note)).toEqual(['kept']);
    expect(await outboxRows(db.ds)).toHaveLength(1);
  });

  it('(3) survives a stopped or failing bus and delivers everything in order after recovery', async () => {
    await subscribeRecording(uniqueName('g'));
    // A bus of its own that is stopped (disconnected) at first: every publish fails for real.
    const ownBus = new KafkaEventBus({ clientId: uniqueName('relay-flaky'), brokers, logger, topics: [] });
    const flaky = new FlakyBus(ownBus);
    try {
      const relay = newRelay({ bus: flaky, retry: { initialMs: 50, maxMs: 200 } });
      await commit('t1', ['a1', 'a2', 'a3'], relay);
      await waitFor(async () => (await outboxRows(db.ds)).every((r) => r.attempts >= 2), {
        ...WAIT,
        description: 'failed attempts',
      });
      const failed = await outboxRows(db.ds);
      expect(failed.every((r) => r.published_at === null && /not connected/.test(r.last_error ?? ''))).toBe(
        true,
      );
      expect(await receivedRows(db.ds)).toEqual([]);

      await ownBus.connect(); // the broker is back
      await waitFor(async () => (await receivedRows(db.ds)).length === 3, {
        ...WAIT,
        description: 'recovery',
      });

      flaky.failing = true; // fails again mid-stream
      await commit('t1', ['b1', 'b2'], relay);
      await waitFor(
        async () => (await outboxRows(db.ds)).some((r) => r.attempts > 0 && r.published_at === null),
        WAIT,
      );
      await commit('t1', ['b3'], relay);
      flaky.failing = false;
      await commit('t1', ['c1'], relay);

      const rows = await waitFor(
        async () => {
          const r = await receivedRows(db.ds);
          return r.length >= 7 ? r : undefined;
        },
        { ...WAIT, description: 'all events' },
      );
      expect(rows.map((r) => r.note)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1']);
      const final = await outboxRows(db.ds);
      expect(final.every((r) => r.published_at !== null && r.last_error === null)).toBe(true);
      expect(await metricValue(registry, 'outbox_publish_failures_total')).toBeGreaterThanOrEqual(3);
      expect(lines.some((l) => String(l.msg).startsWith('outbox publish failed'))).toBe(true);
      expect(lines.some((l) => l.msg === 'outbox publishing recovered')).toBe(true);
    } finally {
      await Promise.allSettled(relays.splice(0).map((r) => r.stop({ flush: false })));
      await ownBus.disconnect();
    }
  });

  it('(4) a consumer restarted and fed the same messages again has exactly-once effects', async () => {
    const groupId = uniqueName('g');
    const relay = newRelay();
    const first = await subscribeRecording(groupId);
    await commit(
      't1',
      Array.from({ length: 10 }, (_, i) => `first-${i}`),
      relay,
    );
    await waitFor(async () => (await receivedRows(db.ds)).length === 10, {
      ...WAIT,
      description: 'first half',
    });
    await first.stop();

    await commit(
      't1',
      Array.from({ length: 10 }, (_, i) => `second-${i}`),
      relay,
    );
    await waitFor(async () => (await outboxRows(db.ds)).every((r) => r.published_at !== null), WAIT);
    // Replay the whole topic to the group, as after a lost offset commit or an operator reset.
    // (resetOffsets({ earliest: true }) commits the special offset -2, which kafkajs then resolves
    // with the subscription's fromBeginning; explicit low watermarks replay regardless.)
    const low = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: low.map((p) => ({ partition: p.partition, offset: p.low })),
    });
    await subscribeRecording(groupId);

    await waitFor(
      async () => (await metricValue(registry, 'events_duplicates_total', { group: groupId })) === 10,
      {
        ...WAIT,
        description: '10 duplicates skipped',
      },
    );
    await waitFor(async () => (await receivedRows(db.ds)).length === 20, WAIT);
    await new Promise((r) => setTimeout(r, 500));
    const rows = await receivedRows(db.ds);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(20);
    expect(rows.map((r) => r.note)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `first-${i}`),
      ...Array.from({ length: 10 }, (_, i) => `second-${i}`),
    ]);
    const [{ n }] = await db.ds.query(
      'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
      [groupId],
    );
    expect(n).toBe(20);
  });

  it('runs one relay batch at a time across replicas: each event once, in order', async () => {
    await subscribeRecording(uniqueName('g'));
    const replica = await db.openReplica();
    const a = newRelay({ batchSize: 7 });
    const b = newRelay({ batchSize: 7, dataSource: replica });
    const tenants = ['t1', 't2', 't3', 't4'];
    await Promise.all(
      tenants.map((t) =>
        commit(
          t,
          Array.from({ length: 15 }, (_, i) => `${t}-${i}`),
        ),
      ),
    );
    a.notify();
    b.notify();
    const rows = await waitFor(
      async () => {
        const r = await receivedRows(db.ds);
        return r.length >= 60 ? r : undefined;
      },
      { ...WAIT, description: '60 events' },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await receivedRows(db.ds)).toHaveLength(60);
    for (const t of tenants) {
      expect(rows.filter((r) => r.key === t).map((r) => r.note)).toEqual(
        Array.from({ length: 15 }, (_, i) => `${t}-${i}`),
      );
    }
    // Exactly once on the wire too: nothing was published twice.
    expect(await metricValue(registry, 'events_published_total', { topic })).toBe(60);
    expect(await metricValue(registry, 'events_duplicates_total')).toBe(0);
  });

  it('stop({ flush: true }) publishes what is pending before returning', async () => {
    await subscribeRecording(uniqueName('g'));
    const relay = new OutboxRelay({
      dataSource: db.ds,
      bus: relayBus,
      service: 'medium',
      logger,
      registry,
      batchSize: 4,
    });
    await commit(
      't1',
      Array.from({ length: 10 }, (_, i) => `p${i}`),
    );
    expect((await outboxRows(db.ds)).every((r) => r.published_at === null)).toBe(true);
    await expect(relay.stop({ flush: true, timeoutMs: 30_000 })).resolves.toEqual({ drained: true });
    expect((await outboxRows(db.ds)).every((r) => r.published_at !== null)).toBe(true);
    await waitFor(async () => (await receivedRows(db.ds)).length === 10, WAIT);
  });

  it('retries a failing handler on Kafka without skipping; a member stopped mid-retry hands the message over', async () => {
    const groupId = uniqueName('g');
    const seenByA: string[] = [];
    const failing = new Set(['m1']);
    const a = await consumerBus.subscribe({
      groupId,
      topics: [topic],
      handler: async (e) => {
        seenByA.push(note(e));
        if (failing.has(note(e))) throw new Error(`cannot handle ${note(e)} yet`);
      },
    });
    subscriptions.push(a);
    await consumerBus.publish(
      ['m0', 'm1', 'm2'].map((n) => ({ topic, key: 'k', envelope: Ping.create('k', { note: n }) })),
    );
    await waitFor(() => seenByA.filter((n) => n === 'm1').length >= 3, {
      ...WAIT,
      description: 'three attempts at m1',
    });
    expect(seenByA.includes('m2')).toBe(false); // held back behind m1 (same key, same partition)
    expect(
      await metricValue(registry, 'events_handler_failures_total', { group: groupId }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      lines.some((l) => String(l.msg).includes('event handler failed, retrying: cannot handle m1 yet')),
    ).toBe(true);

    await a.stop(); // while m1 is still failing: it must not be committed
    const seenByB: string[] = [];
    subscriptions.push(
      await consumerBus.subscribe({
        groupId,
        topics: [topic],
        handler: async (e) => void seenByB.push(note(e)),
      }),
    );
    await waitFor(() => seenByB.length >= 2, { ...WAIT, description: 'm1 and m2 at the next member' });
    expect(seenByB).toEqual(['m1', 'm2']);
  });

  it('skips (and counts) a message that is not an event envelope', async () => {
    const groupId = uniqueName('g');
    const seen: string[] = [];
    subscriptions.push(
      await consumerBus.subscribe({
        groupId,
        topics: [topic],
        handler: async (e) => void seen.push(note(e)),
      }),
    );
    const raw = new Kafka({ clientId: uniqueName('raw'), brokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await raw.connect();
    try {
      await raw.send({
        topic,
        messages: [
          { key: 'k', value: 'not json' },
          { key: 'k', value: '{"id":"nope"}' },
        ],
      });
    } finally {
      await raw.disconnect();
    }
    await consumerBus.publish([{ topic, key: 'k', envelope: Ping.create('k', { note: 'valid' }) }]);
    await waitFor(() => seen.length === 1, WAIT);
    expect(seen).toEqual(['valid']);
    expect(await metricValue(registry, 'events_malformed_total', { group: groupId })).toBe(2);
  });

  it('reports health', async () => {
    await expect(consumerBus.isHealthy()).resolves.toBe(true);
    const stopped = new KafkaEventBus({ clientId: 'never-connected', brokers, logger, topics: [] });
    await expect(stopped.isHealthy()).resolves.toBe(false);
  });
});

import { Registry } from 'prom-client';
import { z } from 'zod';
import { requireInfraEnv, waitFor } from '@brainmesh/testing';
import {
  EventCatalog,
  InProcessEventBus,
  IdempotentConsumer,
  OutboxRelay,
  OutboxWriter,
  defineEvent,
  handleOnce,
  pruneEventTables,
  type Subscription,
} from '../../src';
import { captureLogger } from '../support/logger';
import {
  FlakyBus,
  metricValue,
  openPglite,
  outboxRows,
  receivedRows,
  recordReceived,
  type TestDb,
} from '../support/medium';

jest.setTimeout(120_000);

const WAIT = { timeoutMs: 30_000, intervalMs: 20 };
const TOPIC = 'brainmesh.medium-pglite.v1';

/** (5) The embedded single-process mode: PGlite + InProcessEventBus, same flows as on Kafka. */
describe('transactional outbox -> InProcessEventBus -> idempotent consumer (PGlite)', () => {
  const { logger, lines } = captureLogger('info');
  const catalog = new EventCatalog();
  const Ping = defineEvent({
    type: 'medium.ping',
    version: 1,
    topic: TOPIC,
    schema: z.object({ note: z.string() }),
    catalog,
  });
  const outbox = new OutboxWriter({ catalog });
  let db: TestDb;
  let bus: InProcessEventBus;
  let flaky: FlakyBus;
  let registry: Registry;
  let relay: OutboxRelay;
  const subscriptions: Subscription[] = [];

  beforeAll(() => {
    // Medium tier: fail (not skip) without the infrastructure, like every medium test.
    requireInfraEnv();
  });

  beforeEach(async () => {
    db = await openPglite(logger);
    registry = new Registry();
    bus = new InProcessEventBus({
      logger,
      registry,
      service: 'embedded',
      retry: { initialMs: 5, maxMs: 50 },
    });
    flaky = new FlakyBus(bus);
    await bus.connect();
    relay = new OutboxRelay({
      dataSource: db.ds,
      bus: flaky,
      service: 'embedded',
      pollIntervalMs: 20,
      retry: { initialMs: 20, maxMs: 100 },
      logger,
      registry,
    });
  });

  afterEach(async () => {
    await Promise.allSettled(subscriptions.splice(0).map((s) => s.stop()));
    await relay?.stop({ flush: false });
    await bus?.disconnect();
    await db?.close();
  });

  const subscribeRecording = async (busGroup: string, dedupeGroup = busGroup, fromBeginning = false) => {
    const consumer = new IdempotentConsumer({
      dataSource: db.ds,
      consumerGroup: dedupeGroup,
      service: 'embedded',
      registry,
    });
    const sub = await bus.subscribe({
      groupId: busGroup,
      topics: [TOPIC],
      fromBeginning,
      handler: (envelope) =>
        consumer.handle(envelope, (manager) => recordReceived(manager, envelope)).then(() => undefined),
    });
    subscriptions.push(sub);
    return sub;
  };

  const commit = async (tenant: string, notes: string[]) => {
    for (const n of notes) {
      await db.ds.transaction(async (manager) => {
        await manager.query('INSERT INTO widgets (name) VALUES ($1)', [n]);
        await outbox.add(manager, Ping.create(tenant, { note: n }));
      });
      relay.notify();
    }
  };

  const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('relays committed events and applies each once, in order per key', async () => {
    await subscribeRecording('g');
    relay.start();
    await Promise.all(['a', 'b', 'c'].map((t) => commit(t, range(`${t}-`, 10))));
    await waitFor(async () => (await receivedRows(db.ds)).length === 30, {
      ...WAIT,
      description: '30 events',
    });
    const rows = await receivedRows(db.ds);
    for (const t of ['a', 'b', 'c'])
      expect(rows.filter((r) => r.key === t).map((r) => r.note)).toEqual(range(`${t}-`, 10));
    expect((await outboxRows(db.ds)).every((r) => r.published_at !== null)).toBe(true);
    expect(await metricValue(registry, 'events_published_total', { topic: TOPIC })).toBe(30);
    await waitFor(
      async () => (await metricValue(registry, 'events_consumed_total', { topic: TOPIC })) === 30,
      WAIT,
    );
  });

  it('polls an idle outbox with one read and no transaction, and still finds an event written without notify', async () => {
    await subscribeRecording('g-idle');
    relay.start();
    await commit('t', ['first']);
    await waitFor(async () => (await receivedRows(db.ds)).length === 1, WAIT);
    const queries = jest.spyOn(db.ds, 'query');
    const transactions = jest.spyOn(db.ds, 'transaction');
    await new Promise((resolve) => setTimeout(resolve, 300)); // ~15 idle polls at 20 ms
    const checks = queries.mock.calls.filter(([sql]) => sql.includes('published_at IS NULL LIMIT 1'));
    expect(checks.length).toBeGreaterThan(3);
    expect(transactions).not.toHaveBeenCalled();
    queries.mockRestore();
    transactions.mockRestore();
    // A row committed without notify() (another writer): the next poll sees it and publishes it.
    await db.ds.transaction((manager) => outbox.add(manager, Ping.create('t', { note: 'silent' })));
    await waitFor(async () => (await receivedRows(db.ds)).length === 2, WAIT);
  });

  it('writes no event when the transaction rolls back', async () => {
    await subscribeRecording('g');
    relay.start();
    await expect(
      db.ds.transaction(async (manager) => {
        await manager.query("INSERT INTO widgets (name) VALUES ('doomed')");
        await outbox.add(manager, Ping.create('t', { note: 'doomed' }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await outboxRows(db.ds)).toEqual([]);
    await commit('t', ['kept']);
    await waitFor(async () => (await receivedRows(db.ds)).length === 1, WAIT);
    await new Promise((r) => setTimeout(r, 200));
    expect((await receivedRows(db.ds)).map((r) => r.note)).toEqual(['kept']);
    expect(await db.ds.query('SELECT name FROM widgets')).toEqual([{ name: 'kept' }]);
  });

  it('survives a failing bus and delivers in order after recovery', async () => {
    await subscribeRecording('g');
    relay.start();
    await commit('t', ['a0', 'a1']);
    await waitFor(async () => (await receivedRows(db.ds)).length === 2, WAIT);
    flaky.failing = true;
    await commit('t', ['b0', 'b1', 'b2']);
    await waitFor(async () => (await outboxRows(db.ds)).some((r) => r.attempts >= 2), WAIT);
    expect((await outboxRows(db.ds)).filter((r) => r.published_at === null)).toHaveLength(3);
    expect((await outboxRows(db.ds)).find((r) => r.published_at === null)?.last_error).toMatch(/simulated/);
    flaky.failing = false;
    await commit('t', ['c0']);
    await waitFor(async () => (await receivedRows(db.ds)).length === 6, WAIT);
    expect((await receivedRows(db.ds)).map((r) => r.note)).toEqual(['a0', 'a1', 'b0', 'b1', 'b2', 'c0']);
    expect(await metricValue(registry, 'outbox_publish_failures_total')).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.msg === 'outbox publishing recovered')).toBe(true);
  });

  it('has exactly-once effects when the same events are delivered again', async () => {
    const first = await subscribeRecording('g');
    relay.start();
    await commit('t', range('first-', 5));
    await waitFor(async () => (await receivedRows(db.ds)).length === 5, WAIT);
    await first.stop();
    await commit('t', range('second-', 5));
    // Redelivery of the whole topic to the same dedupe group (a replay from the beginning).
    await subscribeRecording('g-replay', 'g', true);
    await waitFor(
      async () => (await metricValue(registry, 'events_duplicates_total', { group: 'g' })) === 5,
      WAIT,
    );
    await waitFor(async () => (await receivedRows(db.ds)).length === 10, WAIT);
    await new Promise((r) => setTimeout(r, 200));
    const rows = await receivedRows(db.ds);
    expect(rows.map((r) => r.note)).toEqual([...range('first-', 5), ...range('second-', 5)]);
  });

  it('handleOnce keeps no effect and no mark when the handler fails, so a retry applies it', async () => {
    const event = Ping.create('t', { note: 'retry-me' });
    await expect(
      handleOnce(db.ds, 'g', event, async (manager) => {
        await recordReceived(manager, event);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await receivedRows(db.ds)).toEqual([]);
    await expect(handleOnce(db.ds, 'g', event, (m) => recordReceived(m, event))).resolves.toBe('processed');
    await expect(handleOnce(db.ds, 'g', event, (m) => recordReceived(m, event))).resolves.toBe('duplicate');
    await expect(handleOnce(db.ds, 'other-group', event, async () => undefined)).resolves.toBe('processed');
    expect(await receivedRows(db.ds)).toHaveLength(1);
  });

  it('stop({ flush: true }) publishes what is pending', async () => {
    await subscribeRecording('g');
    await commit('t', range('p', 7));
    await expect(relay.stop({ flush: true, timeoutMs: 10_000 })).resolves.toEqual({ drained: true });
    await waitFor(async () => (await receivedRows(db.ds)).length === 7, WAIT);
  });

  it('stop({ flush: true }) gives up at the timeout while the bus is down', async () => {
    await commit('t', ['stuck']);
    flaky.failing = true;
    await expect(relay.stop({ flush: true, timeoutMs: 300 })).resolves.toEqual({ drained: false });
    expect((await outboxRows(db.ds))[0].published_at).toBeNull();
  });

  it('prunes old published rows and dedupe marks, never unpublished events', async () => {
    await commit('t', ['old', 'recent']);
    expect(await relay.publishBatch()).toEqual({ kind: 'published', count: 2 });
    await commit('t', ['pending']);
    await db.ds.query(
      "UPDATE outbox_events SET published_at = now() - interval '8 days' WHERE envelope->'data'->>'note' = 'old'",
    );
    expect(await relay.pruneIfDue()).toBe(1);
    expect(await relay.pruneIfDue()).toBe(0); // at most every few minutes
    const left = await db.ds.query(
      "SELECT envelope->'data'->>'note' AS note FROM outbox_events ORDER BY seq",
    );
    expect(left).toEqual([{ note: 'recent' }, { note: 'pending' }]);

    const event = Ping.create('t', { note: 'x' });
    await handleOnce(db.ds, 'g', event, async () => undefined);
    await db.ds.query("UPDATE processed_events SET processed_at = now() - interval '30 days'");
    await expect(
      pruneEventTables(db.ds, { processedOlderThanMs: 7 * 86_400_000, publishedOlderThanMs: 86_400_000 }),
    ).resolves.toEqual({
      outbox: 0,
      processed: 1,
    });
  });
});

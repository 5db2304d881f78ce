import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource, runMigrations } from '@brainmesh/db';
import { createTestDatabase, requireInfraEnv } from '@brainmesh/testing';
import {
  CreateEventTables1732300000000,
  EVENT_ENTITIES,
  type EventBus,
  type EventEnvelope,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
} from '../../src';

/** A table the test consumers write their effects into (no unique key: duplicates would show). */
export class CreateReceivedEvents1732300000001 implements MigrationInterface {
  name = 'CreateReceivedEvents1732300000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE received_events (n serial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL, note text NOT NULL)',
    );
    await q.query('CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE received_events');
    await q.query('DROP TABLE widgets');
  }
}

const migrations = [CreateEventTables1732300000000, CreateReceivedEvents1732300000001];

export interface TestDb {
  ds: DataSource;
  /** Another DataSource on the same database (a second replica). Postgres only. */
  openReplica(): Promise<DataSource>;
  close(): Promise<void>;
}

export async function openPostgres(prefix: string, logger: Logger): Promise<TestDb> {
  const { pgUrl } = requireInfraEnv();
  const db = await createTestDatabase(prefix, pgUrl);
  const open = async () => {
    const ds = createDataSource({
      service: prefix,
      url: db.url,
      entities: EVENT_ENTITIES,
      migrations,
      poolMax: 5,
    });
    await ds.initialize();
    return ds;
  };
  const ds = await open();
  await runMigrations(ds, logger);
  const replicas: DataSource[] = [];
  return {
    ds,
    openReplica: async () => {
      const replica = await open();
      replicas.push(replica);
      return replica;
    },
    close: async () => {
      await Promise.all([ds, ...replicas].filter((d) => d.isInitialized).map((d) => d.destroy()));
      await db.drop();
    },
  };
}

export async function openPglite(logger: Logger): Promise<TestDb> {
  const ds = createDataSource({
    service: 'pglite',
    dataDir: 'memory://',
    entities: EVENT_ENTITIES,
    migrations,
  });
  await ds.initialize();
  await runMigrations(ds, logger);
  return {
    ds,
    openReplica: () => Promise.reject(new Error('PGlite has a single connection')),
    close: () => ds.destroy(),
  };
}

export async function kafkaAdmin(): Promise<Admin> {
  const { kafkaBrokers } = requireInfraEnv();
  const admin = new Kafka({
    clientId: 'medium-test-admin',
    brokers: kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  return admin;
}

export const note = (e: EventEnvelope) => (e.data as { note: string }).note;

/** The consumer effect used by the tests: one row per handled event. */
export async function recordReceived(manager: EntityManager, envelope: EventEnvelope): Promise<void> {
  await manager.query('INSERT INTO received_events (event_id, key, note) VALUES ($1, $2, $3)', [
    envelope.id,
    envelope.key,
    note(envelope),
  ]);
}

export async function receivedRows(
  ds: DataSource,
): Promise<Array<{ event_id: string; key: string; note: string }>> {
  return ds.query('SELECT event_id, key, note FROM received_events ORDER BY n');
}

export async function outboxRows(
  ds: DataSource,
): Promise<
  Array<{ seq: string; id: string; published_at: Date | null; attempts: number; last_error: string | null }>
> {
  return ds.query('SELECT seq, id, published_at, attempts, last_error FROM outbox_events ORDER BY seq');
}

/** Wraps a bus; while `failing`, publish rejects as a broker outage would. */
export class FlakyBus implements EventBus {
  failing = false;
  publishCalls = 0;
  constructor(private readonly inner: EventBus) {}
  connect() {
    return this.inner.connect();
  }
  disconnect() {
    return this.inner.disconnect();
  }
  isHealthy() {
    return this.inner.isHealthy();
  }
  async publish(messages: OutgoingMessage[]) {
    this.publishCalls += 1;
    if (this.failing) throw new Error('broker unavailable (simulated)');
    return this.inner.publish(messages);
  }
  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe(options);
  }
}

export async function metricValue(
  registry: {
    getMetricsAsJSON(): Promise<Array<{ name: string; values: Array<{ value: number; labels: object }> }>>;
  },
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) =>
      Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

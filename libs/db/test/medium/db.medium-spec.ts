import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  LogCapture,
  createTestDatabase,
  requireInfraEnv,
  uniqueName,
  type TestDatabase,
} from '@brainmesh/testing';
import { createDataSource, ensureDatabase, isEmbedded, pingDatabase, runMigrations } from '../../src';

class CreateWidgets1700000000001 implements MigrationInterface {
  name = 'CreateWidgets1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS vector');
    await q.query('CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL, embedding vector(3))');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE widgets');
  }
}

class AddWidgetColor1700000000002 implements MigrationInterface {
  name = 'AddWidgetColor1700000000002';
  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE widgets ADD COLUMN color text NOT NULL DEFAULT 'blue'");
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE widgets DROP COLUMN color');
  }
}

const migrations = [CreateWidgets1700000000001, AddWidgetColor1700000000002];

function capturingLogger() {
  const capture = new LogCapture();
  return { logger: pino({ level: 'info' }, capture), lines: capture.lines };
}

const countWidgets = async (ds: DataSource) =>
  Number((await ds.query('SELECT count(*)::int AS n FROM widgets'))[0].n);

interface Backend {
  name: string;
  open(): Promise<DataSource>;
  cleanup(): Promise<void>;
}

const infra = () => requireInfraEnv();

const backends: Array<() => Backend> = [
  () => {
    let db: TestDatabase | undefined;
    return {
      name: 'real Postgres',
      open: async () => {
        db = await createTestDatabase('db');
        return createDataSource({ service: 'db-medium', url: db.url, entities: [], migrations, poolMax: 3 });
      },
      cleanup: async () => db?.drop(),
    };
  },
  () => ({
    name: 'PGlite memory://',
    open: async () =>
      createDataSource({ service: 'db-medium', dataDir: 'memory://', entities: [], migrations }),
    cleanup: async () => undefined,
  }),
];

describe.each(backends.map((make) => [make().name, make]))('@brainmesh/db on %s', (_name, make) => {
  let backend: Backend;
  let ds: DataSource;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    infra();
    backend = make();
    ds = await backend.open();
    await ds.initialize();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await backend?.cleanup();
  });

  it('runs pending migrations once, logging each name', async () => {
    expect(await runMigrations(ds, logger)).toEqual(migrations.map((m) => m.name));
    expect(lines.filter((l) => l.msg === 'migration applied').map((l) => l.migration)).toEqual(
      migrations.map((m) => m.name),
    );
    expect(await runMigrations(ds, logger)).toEqual([]);
    const recorded = await ds.query('SELECT name FROM migrations ORDER BY id');
    expect(recorded.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => m.name));
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      ds.transaction(async (m) => {
        await m.query("INSERT INTO widgets (name) VALUES ('doomed')");
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await countWidgets(ds)).toBe(0);
    await ds.transaction(async (m) => m.query("INSERT INTO widgets (name) VALUES ('kept')"));
    expect(await countWidgets(ds)).toBe(1);
  });

  it('has pgvector', async () => {
    await ds.query("INSERT INTO widgets (name, embedding) VALUES ('a', '[1,2,3]'), ('b', '[9,9,9]')");
    const rows = await ds.query(
      "SELECT name FROM widgets WHERE embedding IS NOT NULL ORDER BY embedding <-> '[1,2,4]' LIMIT 1",
    );
    expect(rows).toEqual([{ name: 'a' }]);
  });

  it('answers pings', async () => {
    await expect(pingDatabase(ds, 2_000)).resolves.toBe(true);
  });

  it('serializes concurrent transactions correctly', async () => {
    const before = await countWidgets(ds);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ds
          .transaction(async (m) => {
            await m.query('INSERT INTO widgets (name) VALUES ($1)', [`c${i}`]);
            if (i % 2) throw new Error('odd');
          })
          .catch(() => undefined),
      ),
    );
    expect(await countWidgets(ds)).toBe(before + 5);
  });
});

describe('@brainmesh/db real-Postgres specifics', () => {
  it('ensureDatabase creates a database once', async () => {
    const { pgUrl } = infra();
    const name = uniqueName('t_ensure');
    try {
      expect(await ensureDatabase(pgUrl, name)).toBe(true);
      expect(await ensureDatabase(pgUrl, name)).toBe(false);
    } finally {
      const ds = createDataSource({
        service: 'db-medium',
        url: pgUrl,
        entities: [],
        migrations: [],
        poolMax: 1,
      });
      await ds.initialize();
      await ds.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await ds.destroy();
    }
  });

  it('applies statementTimeoutMs and application_name', async () => {
    const db = await createTestDatabase('db_timeout', infra().pgUrl);
    const ds = createDataSource({
      service: 'timeout-svc',
      url: db.url,
      entities: [],
      migrations: [],
      statementTimeoutMs: 200,
    });
    try {
      await ds.initialize();
      expect(isEmbedded(ds)).toBe(false);
      const [{ name }] = await ds.query("SELECT current_setting('application_name') AS name");
      expect(name).toBe('timeout-svc');
      await expect(ds.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });

  it('pingDatabase is false when the DataSource is not connected', async () => {
    const ds = createDataSource({
      service: 'x',
      url: 'postgres://nobody@127.0.0.1:1/none',
      entities: [],
      migrations: [],
    });
    await expect(pingDatabase(ds, 100)).resolves.toBe(false);
  });
});

describe('@brainmesh/db embedded on a directory', () => {
  it('persists across reopen and closes PGlite on destroy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brainmesh-db-'));
    const { logger } = capturingLogger();
    try {
      const first = createDataSource({
        service: 'embedded',
        dataDir: join(dir, 'pg'),
        entities: [],
        migrations,
      });
      await first.initialize();
      await runMigrations(first, logger);
      await first.query("INSERT INTO widgets (name) VALUES ('persisted')");
      await first.destroy();
      expect(isEmbedded(first) && first.pglite.closed).toBe(true);

      const second = createDataSource({
        service: 'embedded',
        dataDir: join(dir, 'pg'),
        entities: [],
        migrations,
      });
      await second.initialize();
      expect(await runMigrations(second, logger)).toEqual([]);
      expect(await second.query('SELECT name FROM widgets')).toEqual([{ name: 'persisted' }]);
      await second.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

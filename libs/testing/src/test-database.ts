import { Client } from 'pg';
import { uniqueName } from './unique-name';

export interface TestDatabase {
  /** URL of the new database (same server and credentials as the admin URL). */
  url: string;
  name: string;
  /** Terminates its connections and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, application_name: 'brainmesh-testing' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Creates a fresh database with a random name on the real Postgres server, so each test file
 * works in isolation. `adminUrl` defaults to `BRAINMESH_PG_URL`.
 */
export async function createTestDatabase(
  prefix: string,
  adminUrl: string | undefined = process.env.BRAINMESH_PG_URL,
): Promise<TestDatabase> {
  if (!adminUrl) {
    throw new Error('BRAINMESH_PG_URL is not set: start the infrastructure with `npm run infra -- up`.');
  }
  const name = uniqueName(`t_${prefix}`).slice(0, 63);
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${quote(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (c) => {
        await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
      });
    },
  };
}

import { Client } from 'pg';
import type { DataSource } from 'typeorm';

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates database `dbName` on the server of `adminUrl` if it does not exist (for development and
 * tests; production databases are provisioned by operations). Returns true if it was created.
 * Safe against concurrent callers.
 */
export async function ensureDatabase(adminUrl: string, dbName: string): Promise<boolean> {
  if (!DB_NAME.test(dbName)) {
    throw new Error(
      `ensureDatabase: "${dbName}" is not a valid database name (lower-case letters, digits, _)`,
    );
  }
  const client = new Client({ connectionString: adminUrl, application_name: 'brainmesh-ensure-database' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (existing.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${dbName}"`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database, 23505 unique_violation: another caller created it meanwhile.
      const code = (err as { code?: unknown }).code;
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  } finally {
    await client.end();
  }
}

/** Readiness check: true when `SELECT 1` answers within `timeoutMs`. Never throws. */
export async function pingDatabase(dataSource: DataSource, timeoutMs: number): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([dataSource.query('SELECT 1').then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

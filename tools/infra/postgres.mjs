// PostgreSQL 16 + pgvector from PyPI's pgserver wheel (fallback: the machine's PostgreSQL, without pgvector).
// Runs as an unprivileged user when we are root (postgres refuses to run as root).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  InfraError,
  defaultBaseDir,
  mkdirp,
  ports,
  run,
  runSync,
  spawnDetached,
  stopwatch,
  which,
} from './process.mjs';

const PGSERVER_VERSION = '0.1.4'; // PostgreSQL 16.2 + pgvector 0.6.2
const USER = 'brainmesh';
const PASSWORD = 'brainmesh';
export const DATABASES = {
  AUTH: 'brainmesh_auth',
  ORCHESTRATOR: 'brainmesh_orchestrator',
  KNOWLEDGE: 'brainmesh_knowledge',
  AI_ROUTING: 'brainmesh_ai_routing',
  ANALYTICS: 'brainmesh_analytics',
};

export const name = 'postgres';
export const port = () => ports().postgres;
export const markers = () => ['cluster_name=brainmesh-infra', `port=${port()}`];
export const stopSignal = 'SIGINT'; // "fast" shutdown: SIGTERM would wait for every client to disconnect
export const readyTimeoutMs = 60_000;

export function url(database = 'postgres') {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port()}/${database}`;
}

/** { uid, gid } of the unprivileged user when we are root (created if missing); null otherwise. */
function runAs() {
  if (process.getuid?.() !== 0) return null;
  let r = runSync('id', ['-u', USER]);
  if (r.status !== 0) {
    const useradd = runSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      USER,
    ]);
    if (useradd.status !== 0) {
      throw new InfraError(
        `could not create system user ${USER}: ${useradd.stderr}\n  run: useradd --system --user-group ${USER}`,
      );
    }
    r = runSync('id', ['-u', USER]);
  }
  const uid = Number(r.stdout.trim());
  const gid = Number(runSync('id', ['-g', USER]).stdout.trim());
  return { uid, gid };
}

/**
 * Where binaries and data live: { root, home } = <base> and <base>/postgres when the unprivileged user can reach
 * <base>; else (e.g. <base> under a mode-700 /root) /var/tmp/brainmesh-<uid>, root-owned and world-traversable,
 * with a data home per base dir (postgres, or postgres-<hash> for a non-default base).
 */
function pgRoot(base, user) {
  if (!user || runSync('test', ['-x', base], { uid: user.uid, gid: user.gid }).status === 0) {
    return { root: base, home: path.join(base, 'postgres') };
  }
  const root = `/var/tmp/brainmesh-${process.getuid()}`;
  fs.mkdirSync(root, { recursive: true });
  const st = fs.lstatSync(root);
  if (!st.isDirectory() || st.uid !== process.getuid()) {
    throw new InfraError(
      `${root} is not a directory owned by us; remove it or set BRAINMESH_INFRA_DIR to a path user ${USER} can traverse`,
    );
  }
  fs.chmodSync(root, 0o755);
  const suffix =
    base === defaultBaseDir() ? '' : `-${crypto.createHash('sha256').update(base).digest('hex').slice(0, 8)}`;
  return { root, home: path.join(root, `postgres${suffix}`) };
}

/** Install pgserver's PostgreSQL build from PyPI into <root>/pgserver-<v> (atomic rename). Returns its bin dir. */
async function installPgserver(root, log) {
  const dir = path.join(root, `pgserver-${PGSERVER_VERSION}`);
  const bin = path.join(dir, 'pgserver', 'pginstall', 'bin');
  if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  const python = which('python3') || which('python');
  if (!python) throw new InfraError('python3 with pip is needed to fetch pgserver from PyPI');
  const t = stopwatch();
  log(name, `fetching pgserver ${PGSERVER_VERSION} (PostgreSQL 16 + pgvector) from PyPI (first run, ~5 s)…`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  // Only the wheel's binaries are used, so pin the wheel's platform instead of this Python's.
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
  const platform =
    process.platform === 'linux' && arch
      ? ['--only-binary=:all:', '--python-version', '3.11', '--platform', `manylinux2014_${arch}`]
      : [];
  await run(python, [
    '-m',
    'pip',
    'install',
    '-q',
    '--disable-pip-version-check',
    '--no-deps',
    '--retries',
    '2',
    '--timeout',
    '60',
    ...platform,
    '--target',
    tmp,
    `pgserver==${PGSERVER_VERSION}`,
  ]);
  runSync('chmod', ['-R', 'a+rX', tmp]);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  log(name, `pgserver installed in ${t()} (${dir})`);
  return bin;
}

function systemPgBin() {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    if (fs.existsSync(path.join(root, v, 'bin', 'postgres'))) return path.join(root, v, 'bin');
  }
  return null;
}

async function binDir(root, log) {
  try {
    return await installPgserver(root, log);
  } catch (e) {
    const sys = systemPgBin();
    if (!sys) {
      throw new InfraError(
        `no PostgreSQL available: pgserver install failed (${e.message}) and /usr/lib/postgresql/*/bin is empty.\n  run: apt-get install -y postgresql (no pgvector) or fix pip access to PyPI`,
      );
    }
    log(
      name,
      `WARNING: pgserver unavailable (${e.message.trim().split('\n').pop()}); using ${sys} — pgvector will be MISSING`,
    );
    return sys;
  }
}

export async function start(base, log, { pidFile, logFile }) {
  const user = runAs();
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const { root, home } = pgRoot(base, user);
  const bin = await binDir(root, log);
  const major = runSync(path.join(bin, 'postgres'), ['--version']).stdout.match(/(\d+)\.\d+/)?.[1] ?? 'x';
  mkdirp(home);
  if (user) fs.chownSync(home, user.uid, user.gid);
  fs.chmodSync(home, 0o700);
  const data = path.join(home, `data-${major}`);
  const env = { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C', TZ: process.env.TZ || 'UTC' };

  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    const t = stopwatch();
    log(name, `initdb ${data}…`);
    fs.rmSync(data, { recursive: true, force: true });
    const pwfile = path.join(home, '.pwfile');
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user) fs.chownSync(pwfile, user.uid, user.gid);
    try {
      await run(
        path.join(bin, 'initdb'),
        [
          '-D',
          data,
          '-U',
          USER,
          `--pwfile=${pwfile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--no-locale',
          '--no-sync',
          '--no-instructions',
        ],
        { cwd: home, env, ...ids, hint: `initdb failed; data dir ${data}` },
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
    log(name, `initdb done in ${t()}`);
  }

  const socketDir = `${data}/.s.PGSQL.${port()}`.length < 100 ? data : ''; // unix socket path limit
  return spawnDetached(
    path.join(bin, 'postgres'),
    [
      '-D',
      data,
      '-c',
      'cluster_name=brainmesh-infra',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `port=${port()}`,
      '-c',
      `unix_socket_directories=${socketDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'logging_collector=off',
    ],
    { logFile, pidFile, cwd: home, env, ...ids },
  );
}

async function withClient(database, fn) {
  const client = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probe() {
  return withClient('postgres', async (c) => (await c.query('select 1 as ok')).rows[0].ok === 1);
}

/** Create the service databases (and vector in each, as docker-compose's init SQL does). Returns a summary. */
export async function afterReady(_base, log) {
  const summary = await withClient('postgres', async (c) => {
    const have = new Set((await c.query('select datname from pg_database')).rows.map((r) => r.datname));
    const created = [];
    for (const db of Object.values(DATABASES)) {
      if (!have.has(db)) {
        await c.query(`create database ${db}`).catch((e) => {
          if (e.code !== '42P04') throw e; // created concurrently
        });
        created.push(db);
      }
    }
    const server = (await c.query('show server_version')).rows[0].server_version;
    const vector = (
      await c.query(`select default_version from pg_available_extensions where name = 'vector'`)
    ).rows[0]?.default_version;
    return { created, server, vector };
  });
  if (summary.created.length) log(name, `created databases ${summary.created.join(', ')}`);
  if (summary.vector) {
    for (const db of Object.values(DATABASES)) {
      await withClient(db, (c) => c.query('create extension if not exists vector'));
    }
    // Prove it in a fresh context: a new extension + a vector operator, rolled back.
    await withClient('postgres', async (c) => {
      await c.query('begin');
      try {
        await c.query('create extension if not exists vector');
        await c.query(`select '[1,2,3]'::vector <-> '[1,2,4]'::vector as d`);
      } finally {
        await c.query('rollback');
      }
    });
    log(name, `PostgreSQL ${summary.server}, pgvector ${summary.vector} OK`);
  } else {
    log(
      name,
      `PostgreSQL ${summary.server}, WARNING: pgvector is NOT available (CREATE EXTENSION vector will fail)`,
    );
  }
  return { vector: Boolean(summary.vector) };
}

export function env() {
  const out = { BRAINMESH_PG_URL: url('postgres') };
  for (const [key, db] of Object.entries(DATABASES)) out[`${key}_DATABASE_URL`] = url(db);
  return out;
}

#!/usr/bin/env node
// Local real infrastructure for brainmesh: PostgreSQL (+pgvector), Apache Kafka (KRaft) and Redis, without Docker.
//   node tools/infra/infra.mjs <up|down|status|env> [postgres|kafka|redis ...]
// API: up({components, log}), down({components}), status(), infraEnv().
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as kafka from './kafka.mjs';
import * as postgres from './postgres.mjs';
import * as redis from './redis.mjs';
import {
  InfraError,
  baseDir,
  isAlive,
  makeLogger,
  mkdirp,
  ownedPid,
  portOpen,
  readPid,
  stopPid,
  stopwatch,
  waitReady,
  withLock,
} from './process.mjs';

const COMPONENTS = { postgres, kafka, redis };
const NAMES = Object.keys(COMPONENTS);

function select(components) {
  const list = components?.length ? components : NAMES;
  const unknown = list.filter((c) => !COMPONENTS[c]);
  if (unknown.length)
    throw new InfraError(`unknown component(s) ${unknown.join(', ')}; expected ${NAMES.join(', ')}`);
  return list;
}

const files = (base, name) => ({
  pidFile: path.join(base, `${name}.pid`),
  logFile: path.join(base, `${name}.log`),
});

/** Connection settings for every component (depends only on the configured ports). */
export function infraEnv() {
  return { ...postgres.env(), ...kafka.env(), ...redis.env() };
}

async function componentStatus(base, name) {
  const comp = COMPONENTS[name];
  const { pidFile, logFile } = files(base, name);
  const pid = ownedPid(pidFile, comp.markers(base));
  const answering = await portOpen(comp.port());
  return {
    running: Boolean(pid && answering),
    pid: pid ?? null,
    port: comp.port(),
    external: Boolean(!pid && answering), // something not started by us answers on the port
    log: logFile,
  };
}

/** { postgres: { running, pid, port, external, log }, kafka: {...}, redis: {...} } */
export async function status() {
  const base = baseDir();
  const out = {};
  for (const name of NAMES) out[name] = await componentStatus(base, name);
  return out;
}

/** Make one component ready: reuse ours, accept a foreign server that passes the probe, else install + start. */
async function ensure(base, name, log) {
  const comp = COMPONENTS[name];
  const { pidFile, logFile } = files(base, name);
  const where = `127.0.0.1:${comp.port()}`;
  const pid = ownedPid(pidFile, comp.markers(base));
  const answering = await portOpen(comp.port());

  if (pid) {
    // Ours. Usually answering already; if it is still starting (or an earlier `up` died waiting), wait for it.
    await waitReady(() => comp.probe(base, { full: false }), {
      timeoutMs: comp.readyTimeoutMs,
      proc: { exited: () => !isAlive(pid) },
      what: `${name} (pid ${pid})`,
      logFile,
    });
    log(name, `already running (pid ${pid}, ${where}), reusing`);
    return { state: 'reused', pid };
  }
  if (readPid(pidFile)) fs.rmSync(pidFile, { force: true }); // stale
  if (answering) {
    const ok = await comp.probe(base, { full: false }).catch(() => false);
    if (!ok) {
      throw new InfraError(
        `port ${comp.port()} is taken by a process that is not a usable ${name} (not started by this tool); ` +
          `stop it or choose another port (BRAINMESH_${{ postgres: 'PG', kafka: 'KAFKA', redis: 'REDIS' }[name]}_PORT)`,
      );
    }
    log(name, `a ${name} not started by this tool answers on ${where} (docker compose?), using it`);
    return { state: 'external', pid: null };
  }

  const t = stopwatch();
  const proc = await comp.start(base, log, { pidFile, logFile });
  log(name, `started (pid ${proc.pid}), waiting until ready… (log: ${logFile})`);
  await waitReady(() => comp.probe(base, { full: true }), {
    timeoutMs: comp.readyTimeoutMs,
    proc,
    what: name,
    logFile,
  });
  log(name, `ready on ${where} after ${t()}`);
  return { state: 'started', pid: proc.pid };
}

/**
 * Start (or reuse) the components. Resolves to { started, reused, external, env, vector }.
 * log(line) receives progress lines (default: stderr).
 */
export async function up({ components, log: sink } = {}) {
  const names = select(components);
  const base = mkdirp(baseDir());
  const log = makeLogger(sink);
  return withLock(
    base,
    async () => {
      // In parallel: the cold path is dominated by downloads (PyPI, Maven Central, apt) and JVM startup.
      const results = await Promise.allSettled(names.map((n) => ensure(base, n, log)));
      const failed = results.map((r, i) => [names[i], r]).filter(([, r]) => r.status === 'rejected');
      if (failed.length) {
        throw new InfraError(failed.map(([n, r]) => `${n}: ${r.reason?.message ?? r.reason}`).join('\n'));
      }
      let vector;
      if (names.includes('postgres')) vector = (await postgres.afterReady(base, log)).vector;
      const byState = (s) => names.filter((_, i) => results[i].value.state === s);
      const env = infraEnv();
      fs.writeFileSync(path.join(base, 'env.json'), `${JSON.stringify(env, null, 2)}\n`);
      return {
        started: byState('started'),
        reused: byState('reused'),
        external: byState('external'),
        env,
        vector,
      };
    },
    log,
  );
}

/** Stop components started by this tool (only pids from our pid files). `only` is an alias of `components`. */
export async function down({ components, only, log: sink } = {}) {
  const names = select(components ?? only)
    .slice()
    .reverse();
  const base = mkdirp(baseDir());
  const log = makeLogger(sink);
  return withLock(
    base,
    async () => {
      const stopped = [];
      for (const name of names) {
        const comp = COMPONENTS[name];
        const { pidFile } = files(base, name);
        const pid = ownedPid(pidFile, comp.markers(base));
        if (!pid) {
          fs.rmSync(pidFile, { force: true });
          const note = (await portOpen(comp.port()))
            ? ' (something else answers on its port: left alone)'
            : '';
          log(name, `not running${note}`);
          continue;
        }
        const t = stopwatch();
        const how = await stopPid(pid, { signal: comp.stopSignal, graceMs: 15_000 });
        fs.rmSync(pidFile, { force: true });
        log(name, `${how} (pid ${pid}) in ${t()}`);
        stopped.push(name);
      }
      return { stopped };
    },
    log,
  );
}

// ---- CLI -----------------------------------------------------------------------------------------------------

const shellQuote = (v) => `'${String(v).replaceAll("'", `'\\''`)}'`;

async function main(argv) {
  const [cmd = 'help', ...rest] = argv;
  const components = rest.filter((a) => !a.startsWith('-'));
  switch (cmd) {
    case 'up': {
      const t = stopwatch();
      const res = await up({ components });
      console.log(
        `[infra] ready in ${t()} (started: ${res.started.join(', ') || 'none'}; reused: ${res.reused.join(', ') || 'none'}${res.external.length ? `; external: ${res.external.join(', ')}` : ''})`,
      );
      console.log(
        `[infra] connection settings (also in ${path.join(baseDir(), 'env.json')}; \`eval "$(npm run -s infra -- env)"\` exports them):`,
      );
      for (const [k, v] of Object.entries(res.env)) console.log(`  ${k}=${v}`);
      if (res.vector === false) console.log('[infra] WARNING: pgvector is not available in this PostgreSQL');
      return 0;
    }
    case 'down':
      await down({ components });
      return 0;
    case 'status': {
      const st = await status();
      if (rest.includes('--json')) {
        console.log(JSON.stringify(st, null, 2));
        return 0;
      }
      for (const name of NAMES) {
        const s = st[name];
        const state = s.running
          ? `running  pid ${s.pid}`
          : s.external
            ? 'external (not started by this tool)'
            : s.pid
              ? `starting pid ${s.pid}`
              : 'stopped';
        console.log(`${name.padEnd(9)} ${state.padEnd(36)} 127.0.0.1:${s.port}  log ${s.log}`);
      }
      console.log(`base dir: ${baseDir()}`);
      return 0;
    }
    case 'env':
      for (const [k, v] of Object.entries(infraEnv())) console.log(`export ${k}=${shellQuote(v)}`);
      return 0;
    default:
      console.log(`usage: node tools/infra/infra.mjs <up|down|status|env> [${NAMES.join('|')} ...]
  up       install what is missing, start (or reuse) and wait until ready, print connection settings
  down     stop what this tool started (all, or the named components)
  status   show each component (status --json for machine output)
  env      print shell export lines: eval "$(node tools/infra/infra.mjs env)"
base dir: $BRAINMESH_INFRA_DIR or \${XDG_CACHE_HOME:-$HOME/.cache}/brainmesh/infra (${baseDir()})
ports: BRAINMESH_PG_PORT (55432), BRAINMESH_KAFKA_PORT (59092), BRAINMESH_REDIS_PORT (56379)`);
      return cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`[infra] FAILED: ${e instanceof InfraError ? e.message : (e?.stack ?? e)}`);
      process.exit(1);
    },
  );
}

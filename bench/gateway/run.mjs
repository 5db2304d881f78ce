// Benchmark: what a gateway adds to an OpenAI-compatible chat completion, side by side in one run.
//
//   node bench/gateway/run.mjs                 (after `npx nx run-many -t build`; ~4.5 minutes)
//   node bench/gateway/run.mjs --scenarios direct,portkey --quick
//   node bench/gateway/run.mjs --cpu-prof      (V8 CPU profiles of gateway and ai-routing)
//
// Scenarios, all against the same loopback mock LLM upstream (fixed latency, 20 ms):
//
//   direct     client -> mock                                    (the floor)
//   node-relay client -> node-relay.mjs -> mock   (a bare Node.js relay: the floor of any Node gateway)
//   portkey    client -> Portkey gateway (@portkey-ai/gateway) -> mock
//   brainmesh  client -> gateway -> (gRPC) ai-routing -> mock      (API key auth, usage accounting on)
//
// brainmesh runs in the production shape: each service is its own `node services/<name>/dist/main.js`
// process, configured by environment variables, against real PostgreSQL, Kafka and Redis from
// `tools/infra` (started or reused; never stopped by this script). Fresh databases are created for
// the run and dropped after it. Portkey is installed on first run into bench/gateway/node_modules
// (a standalone package, not an npm workspace) and started headless.
//
// This process is the load generator (undici Pool). For each rate and each mode (non-streaming,
// streaming) the scenarios run interleaved: open loop at a fixed arrival rate, latency measured
// from the intended send time (bench/lib/open-loop.mjs), then a closed loop per scenario for the
// maximum throughput. Results go to docs/benchmarks.md between the bench:gateway results markers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { closedLoop, machine, openLoop, sleep, writeBetweenMarkers } from '../lib/open-loop.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const require = createRequire(join(ROOT, 'package.json'));

// ---------------------------------------------------------------------------------------------
// Settings

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const QUICK = flag('quick');
const CPU_PROF = flag('cpu-prof');
const SCENARIOS = option('scenarios', 'direct,node-relay,portkey,brainmesh').split(',');
const RATES = option('rates', '200,500,1000').split(',').map(Number);
const MODES = option('modes', 'json,stream').split(',');
const UPSTREAM_LATENCY_MS = Number(option('latency-ms', '20'));
const WARMUP_MS = QUICK ? 1_000 : 1_500;
const MEASURE_MS = QUICK ? 3_000 : 8_000;
const PAUSE_MS = 250;
const MAX_IN_FLIGHT = 2_000;
const DRAIN_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const CLOSED_CONCURRENCY = Number(option('concurrency', '256'));
const CLOSED_WARMUP_MS = 1_000;
const CLOSED_MS = QUICK ? 2_000 : 5_000;
const PRIME_MS = 1_500;
const PRIME_CONCURRENCY = 16;
const START_TIMEOUT_MS = 120_000;
const MODEL = 'bench-model';
const UPSTREAM_KEY = 'sk-mock-upstream'; // the mock requires it: proves the gateways forward the provider key
// info: the production default (and the services announce `<name> started` at info, which is how
// this script sees them come up).
const LOG_LEVEL = 'info';
const RATE_LIMITS = JSON.stringify({
  default: { rps: 1_000_000, burst: 1_000_000 },
  ip: { rps: 1_000_000, burst: 1_000_000 },
});
const DOC = join(ROOT, 'docs/benchmarks.md');
const SECTION_START = '<!-- bench:gateway:start -->';
const SECTION_END = '<!-- bench:gateway:end -->';
const RESULTS_START = '<!-- bench:gateway:results:start (written by bench/gateway/run.mjs) -->';
const RESULTS_END = '<!-- bench:gateway:results:end -->';

const MOCK_CLI = join(ROOT, 'libs/llm-mock-upstream/dist/cli.js');
const PORTKEY_DIR = join(HERE, 'node_modules/@portkey-ai/gateway');
const PORTKEY_MAIN = join(PORTKEY_DIR, 'build/start-server.js');

const log = (line) => console.log(line);
const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const signed = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : 'n/a');

// ---------------------------------------------------------------------------------------------
// Child processes

const children = [];
/** Run at the end, after every child process stopped (e.g. dropping the run's databases). */
const cleanups = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node ...argv` with output to `logFile` (never through this process: the load generator
 * must not spend its event loop on the children's logs) and resolves once `ready(text)` matches.
 */
async function startProcess(name, argv, { env, cwd = ROOT, logFile, ready, nodeArgs = [] }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, ...argv], {
    cwd,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const proc = { name, child, logFile, pid: child.pid };
  children.push(proc);
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail(logFile)}`,
      );
    }
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    const match = ready(text);
    if (match) return { ...proc, match };
    if (Date.now() - t0 > START_TIMEOUT_MS) throw new Error(`${name} not ready in time:\n${tail(logFile)}`);
    await sleep(100);
  }
}

function tail(file, lines = 25) {
  if (!existsSync(file)) return '(no output)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function stopProcess(proc, timeoutMs = 20_000) {
  return new Promise((resolve) => {
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** user+system CPU seconds and RSS of a process, from /proc (Linux only; undefined elsewhere). */
function procStats(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    return { cpu: ticks / 100, rss: rssKb * 1024, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process and all its children (PostgreSQL: the postmaster and its backends). */
function treeCpu(rootPid) {
  let pids = [rootPid];
  try {
    const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    const parents = new Map(all.map((d) => [Number(d), procStats(Number(d))?.ppid]));
    const tree = new Set([rootPid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of parents) {
        if (!tree.has(pid) && tree.has(ppid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    pids = [...tree];
  } catch {
    // not Linux: the root alone
  }
  const stats = pids.map(procStats).filter(Boolean);
  return stats.length ? { cpu: stats.reduce((sum, s) => sum + s.cpu, 0) } : undefined;
}

/** Runs `loop` and adds `cpu`: [{name, msPerRequest}] of the watched processes over it. */
async function withCpu(watched, loop) {
  const sample = (p) => (p.tree ? treeCpu(p.pid) : procStats(p.pid));
  const before = watched.map(sample);
  const r = await loop();
  const after = watched.map(sample);
  r.cpu = watched
    .map((p, i) => ({
      name: p.name,
      // (A process tree can lose an exited child's CPU between the samples: never below 0.)
      msPerRequest:
        before[i] && after[i] && r.ok ? Math.max(0, ((after[i].cpu - before[i].cpu) * 1000) / r.ok) : NaN,
    }))
    .filter((c) => Number.isFinite(c.msPerRequest));
  return r;
}

/** CPU ms per request of everything but the load generator: what serving one request cost. */
const serverCpu = (r) =>
  r.cpu.filter((c) => c.name !== 'load generator').reduce((sum, c) => sum + c.msPerRequest, 0);

function abortAfter(ms) {
  const abort = new AbortController();
  setTimeout(() => abort.abort(new Error(`timed out after ${ms} ms`)), ms).unref();
  return abort.signal;
}

/** Polls `get` until `done(value)` or `timeoutMs`; resolves with the last value. */
async function waitUntil(get, done, timeoutMs) {
  const t0 = Date.now();
  for (;;) {
    const value = await get();
    if (done(value) || Date.now() - t0 > timeoutMs) return value;
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// The mock upstream

async function startMock(dir) {
  if (!existsSync(MOCK_CLI)) {
    throw new Error(
      `${MOCK_CLI} is missing: run \`npx nx run llm-mock-upstream:build\` (or build everything)`,
    );
  }
  const proc = await startProcess(
    'mock',
    [MOCK_CLI, '--port', '0', '--latency-ms', String(UPSTREAM_LATENCY_MS), '--api-key', UPSTREAM_KEY],
    {
      env: { PATH: process.env.PATH ?? '' },
      logFile: join(dir, 'mock.log'),
      ready: (text) => /mock-llm listening (http:\/\/\S+)/.exec(text)?.[1],
    },
  );
  return { ...proc, url: proc.match.replace(/\/$/, ''), kind: '@brainmesh/llm-mock-upstream' };
}

// ---------------------------------------------------------------------------------------------
// Portkey

function portkeyVersion() {
  return JSON.parse(readFileSync(join(PORTKEY_DIR, 'package.json'), 'utf8')).version;
}

async function ensurePortkey() {
  // npm writes node_modules/.package-lock.json when an install completes: a half-done one reinstalls.
  if (existsSync(PORTKEY_MAIN) && existsSync(join(HERE, 'node_modules/.package-lock.json'))) return;
  log('installing @portkey-ai/gateway into bench/gateway/node_modules (first run only) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise((resolve, reject) => {
    const child = spawn(npm, ['install', '--prefix', HERE, '--no-audit', '--no-fund'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm install exited with ${code}`)),
    );
  });
  if (!existsSync(PORTKEY_MAIN)) throw new Error(`npm install did not produce ${PORTKEY_MAIN}`);
}

async function startPortkey(dir) {
  const port = await freePort();
  // --headless: no web console; NODE_ENV=production: no /public log viewer routes.
  const proc = await startProcess('portkey', [PORTKEY_MAIN, `--port=${port}`, '--headless'], {
    cwd: HERE,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    logFile: join(dir, 'portkey.log'),
    ready: (text) => /Ready for connections|running at/.test(text),
  });
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// brainmesh, production shape

const BACKENDS = ['auth', 'ai-routing', 'analytics'];

async function startBrainmesh(dir, mockUrl) {
  for (const name of [...BACKENDS, 'gateway']) {
    const main = join(ROOT, `services/${name}/dist/main.js`);
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx run-many -t build\` first`);
  }
  const { up, status } = await import(join(ROOT, 'tools/infra/infra.mjs'));
  const t0 = Date.now();
  const infra = await up({
    components: ['postgres', 'kafka', 'redis'],
    log: (line) => log(`  infra: ${line}`),
  });
  const env = infra.env;
  log(
    `  infra ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${Object.keys(infra.started ?? {}).length ? 'started' : 'reused'})`,
  );
  const { createTestDatabase } = require('@brainmesh/testing');
  const databases = {};
  // Dropped at exit whatever happens (after the services stopped: see main's finally).
  cleanups.push(() => Promise.all(Object.values(databases).map((db) => db.drop().catch(() => undefined))));
  for (const name of BACKENDS)
    databases[name] = await createTestDatabase(`bench_${name.replace('-', '_')}`, env.BRAINMESH_PG_URL);

  const common = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    // --no-redis (an experiment, not the production shape): in-memory rate limits and admission.
    ...(flag('no-redis') ? {} : { REDIS_URL: env.REDIS_URL }),
  };
  const profiled = (name) =>
    CPU_PROF && (name === 'gateway' || name === 'ai-routing')
      ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
  const started = (name) => (text) => {
    const line = text.split('\n').find((l) => l.includes(`"${name} started"`));
    return line ? JSON.parse(line) : undefined;
  };
  const services = {};
  await Promise.all(
    BACKENDS.map(async (name) => {
      const t = Date.now();
      services[name] = await startProcess(name, [join(ROOT, `services/${name}/dist/main.js`)], {
        env: {
          ...common,
          DATABASE_URL: databases[name].url,
          DATABASE_POOL_MAX: '10',
          MIGRATE_ON_START: 'true',
          ...(name === 'ai-routing'
            ? { PROVIDER_SECRET_KEYS: `bench:${randomBytes(32).toString('base64')}` }
            : {}),
        },
        logFile: join(dir, `${name}.log`),
        ready: started(name),
        nodeArgs: profiled(name),
      });
      log(
        `  ${name.padEnd(11)} ready in ${((Date.now() - t) / 1000).toFixed(1)} s (grpc ${services[name].match.grpcAddress})`,
      );
    }),
  );
  const t = Date.now();
  services.gateway = await startProcess('gateway', [join(ROOT, 'services/gateway/dist/main.js')], {
    env: {
      ...common,
      AUTH_GRPC_URL: services.auth.match.grpcAddress,
      AI_ROUTING_GRPC_URL: services['ai-routing'].match.grpcAddress,
      ANALYTICS_GRPC_URL: services.analytics.match.grpcAddress,
      RATE_LIMITS,
    },
    logFile: join(dir, 'gateway.log'),
    ready: started('gateway'),
    nodeArgs: profiled('gateway'),
  });
  const gatewayUrl = services.gateway.match.httpUrl;
  log(`  gateway     ready in ${((Date.now() - t) / 1000).toFixed(1)} s (http ${gatewayUrl})`);

  // First run: operator, tenant `default`, owner, API key (auth's Bootstrap over gRPC).
  const { firstRun } = require('@brainmesh/embedded');
  const result = await firstRun(services.auth.match.grpcAddress, gatewayUrl, join(dir, 'credentials.json'));
  if (!result.created) throw new Error('first run did not create credentials (not an empty platform?)');
  const apiKey = result.credentials.api_key;

  // A provider pointing at the mock and a route for MODEL, through the admin API.
  const admin = async (path, body) => {
    const res = await fetch(new URL(path, gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
      signal: abortAfter(30_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  const provider = await admin('/v1/providers', {
    name: 'mock',
    type: 'openai',
    base_url: `${mockUrl}/v1`,
    api_key: UPSTREAM_KEY,
  });
  const providerId = provider.id ?? provider.provider?.id;
  // Prices on the deployment, so every call has a cost that the usage ledger and the budget count.
  await admin('/v1/routes', {
    model: MODEL,
    strategy: 'priority',
    deployments: [
      { provider_id: providerId, model: MODEL, input_price_per_mtok: 0.15, output_price_per_mtok: 0.6 },
    ],
  });
  // A hard tenant budget that is never reached: each call reserves against it and settles.
  await admin('/v1/budgets', { scope: 'tenant', period: 'month', limit_usd: 1_000_000, hard: true });

  return {
    url: gatewayUrl,
    apiKey,
    services,
    databases,
    processes: Object.values(services),
    /** Shared infrastructure, CPU counted with the process tree (not ours alone if others use it). */
    infra: Object.entries(await status())
      .filter(([, v]) => v?.running && v.pid)
      .map(([name, v]) => ({ name, pid: v.pid, tree: true })),
    /** The tenant budget's spend so far (proof that accounting ran). */
    spent: async () => {
      const res = await fetch(new URL('/v1/budgets', gatewayUrl), {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: abortAfter(30_000),
      });
      const json = await res.json();
      return (json.data ?? json.budgets ?? []).reduce((sum, b) => sum + (b.spent_usd ?? 0), 0);
    },
    stop: async () => {
      await stopProcess(services.gateway);
      await Promise.all(BACKENDS.map((name) => stopProcess(services[name])));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The load generator's client

const undici = require('undici');
const pools = new Map();
function pool(origin) {
  let p = pools.get(origin);
  if (!p) {
    // Idle connections are closed after 4 s, before any server's 5 s keep-alive timeout can race a
    // new request on them (an ECONNRESET that would be the generator's fault, not the server's).
    p = new undici.Pool(origin, {
      connections: 512,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
      keepAliveTimeoutThreshold: 1_000,
    });
    pools.set(origin, p);
  }
  return p;
}

const PROMPT = [{ role: 'user', content: 'Say hello in one short sentence, please.' }];
const BODIES = {
  json: JSON.stringify({ model: MODEL, messages: PROMPT }),
  stream: JSON.stringify({
    model: MODEL,
    messages: PROMPT,
    stream: true,
    stream_options: { include_usage: true },
  }),
};

/**
 * A request function for openLoop/closedLoop: POST the chat completion, read the body to the end.
 * Success: 200 and a complete answer (a JSON body with choices; a stream ending in `data: [DONE]`).
 */
function sender(target, mode) {
  const p = pool(target.origin);
  const body = BODIES[mode];
  const headers = { 'content-type': 'application/json', ...target.headers };
  const streaming = mode === 'stream';
  return (done) => {
    p.request({
      path: target.path,
      method: 'POST',
      headers,
      body,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    }).then(
      (res) => {
        let firstByteAt;
        let last = '';
        let size = 0;
        res.body.on('data', (chunk) => {
          if (firstByteAt === undefined) firstByteAt = performance.now();
          size += chunk.length;
          last =
            chunk.length >= 16
              ? chunk.toString('latin1', chunk.length - 16)
              : last + chunk.toString('latin1');
        });
        res.body.on('error', (error) => done(error, false));
        res.body.on('end', () => {
          if (res.statusCode !== 200) return done(res.statusCode, false);
          if (streaming) {
            if (!last.includes('[DONE]')) return done('stream not complete', false);
            return done(null, true, firstByteAt);
          }
          return done(size > 0 ? null : 'empty body', size > 0);
        });
      },
      (error) => done(error, false),
    );
  };
}

/** One request of each mode through a target; the answer must be the mock's. */
async function verify(target) {
  for (const mode of MODES) {
    const res = await undici.request(`${target.origin}${target.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: BODIES[mode],
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`${target.name} ${mode}: ${res.statusCode} ${text.slice(0, 500)}`);
    if (mode === 'json') {
      const json = JSON.parse(text);
      const content = json.choices?.[0]?.message?.content ?? '';
      if (!content.startsWith('Mock reply to'))
        throw new Error(`${target.name} json: not the mock's answer: ${text}`);
    } else {
      const events = text.split('\n').filter((l) => l.startsWith('data: '));
      if (events.at(-1) !== 'data: [DONE]') throw new Error(`${target.name} stream: no [DONE] in ${text}`);
      const content = events
        .slice(0, -1)
        .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
        .join('');
      if (!content.startsWith('Mock reply to'))
        throw new Error(`${target.name} stream: not the mock's answer: ${text}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render({ facts, notes, open, closed, resources, totalSeconds }) {
  const L = [];
  L.push(
    `Run: ${facts.date} · CPU: ${facts.cpu} · ${facts.cores} cores · ${facts.memory} RAM · Node ${facts.node} · ${facts.os}`,
  );
  for (const n of notes) L.push(`${n}`);
  L.push(`Total run time ${totalSeconds} s.`);
  for (const mode of MODES) {
    const stream = mode === 'stream';
    L.push('');
    L.push(
      stream
        ? `### Streaming, open loop (${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ms from the intended send time; TTFB = first body byte, TTLB = last byte)`
        : `### Non-streaming, open loop (${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ms from the intended send time to the last byte)`,
    );
    L.push('');
    if (stream) {
      L.push(
        '| scenario | req/s | achieved | TTFB p50 | TTFB p99 | TTLB p50 | TTLB p99 | TTLB max | errors | added TTFB p50 | added TTFB p99 | added TTLB p50 | added TTLB p99 | server CPU ms/req |',
      );
      L.push(
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      );
    } else {
      L.push(
        '| scenario | req/s | achieved | p50 | p90 | p99 | max | errors | added p50 | added p99 | server CPU ms/req |',
      );
      L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    }
    for (const rate of RATES) {
      const rows = open.filter((r) => r.mode === mode && r.rate === rate);
      const floor = rows.find((r) => r.scenario === 'direct');
      for (const r of rows) {
        const isFloor = r.scenario === 'direct' || !floor;
        const err = `${r.errors + r.dropped}${r.dropped ? ` (${r.dropped} dropped)` : ''}`;
        const d = (a, b) => (isFloor ? '—' : signed(a - b));
        if (stream) {
          const fb = r.firstByte ?? {};
          const ffb = floor?.firstByte ?? {};
          L.push(
            `| ${r.scenario} | ${rate} | ${r.achieved.toFixed(0)} | ${ms(fb.p50)} | ${ms(fb.p99)} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${err} | ` +
              `${d(fb.p50, ffb.p50)} | ${d(fb.p99, ffb.p99)} | ${d(r.latency.p50, floor?.latency.p50)} | ${d(r.latency.p99, floor?.latency.p99)} | ${serverCpu(r).toFixed(2)} |`,
          );
        } else {
          L.push(
            `| ${r.scenario} | ${rate} | ${r.achieved.toFixed(0)} | ${ms(r.latency.p50)} | ${ms(r.latency.p90)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${err} | ` +
              `${d(r.latency.p50, floor?.latency.p50)} | ${d(r.latency.p99, floor?.latency.p99)} | ${serverCpu(r).toFixed(2)} |`,
          );
        }
      }
    }
  }
  L.push('');
  L.push(
    `### Maximum throughput (closed loop: ${CLOSED_CONCURRENCY} concurrent requests back to back, ${CLOSED_MS / 1000} s after ${CLOSED_WARMUP_MS / 1000} s warm-up; latency per request, ms)`,
  );
  L.push('');
  L.push(
    '| scenario | mode | req/s | vs portkey | p50 | p99 | errors | server CPU ms/request | by process (CPU ms/request) |',
  );
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const mode of MODES) {
    const pk = closed.find((r) => r.mode === mode && r.scenario === 'portkey');
    for (const r of closed.filter((x) => x.mode === mode)) {
      const ratio = pk && r.scenario !== 'portkey' ? `${(r.throughput / pk.throughput).toFixed(2)}×` : '—';
      const cpu = r.cpu.map((c) => `${c.name} ${c.msPerRequest.toFixed(3)}`).join(', ');
      const server = serverCpu(r);
      L.push(
        `| ${r.scenario} | ${mode === 'stream' ? 'streaming' : 'non-streaming'} | ${r.throughput.toFixed(0)} | ${ratio} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${r.errors} | ${server.toFixed(2)} | ${cpu} |`,
      );
    }
  }
  L.push('');
  L.push('### Processes (RSS before / after the run)');
  L.push('');
  L.push('| process | RSS before | RSS after |');
  L.push('| --- | ---: | ---: |');
  const mb = (b) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(0)} MB` : 'n/a');
  for (const r of resources) L.push(`| ${r.name} | ${mb(r.before)} | ${mb(r.after)} |`);
  return L.join('\n');
}

function writeDoc(block) {
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  if (text.includes(RESULTS_START) && text.includes(RESULTS_END)) {
    return writeBetweenMarkers(DOC, { start: RESULTS_START, end: RESULTS_END, block });
  }
  // No section yet: a minimal one (the README of bench/gateway explains the method).
  const section =
    '## Gateway overhead: brainmesh vs Portkey vs direct\n\n' +
    'How to run: `npx nx run-many -t build`, then `node bench/gateway/run.mjs` (see bench/gateway/README.md).\n\n' +
    `${RESULTS_START}\n\n${block}\n\n${RESULTS_END}`;
  return writeBetweenMarkers(DOC, { start: SECTION_START, end: SECTION_END, block: section });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const began = Date.now();
  const facts = machine();
  log(`brainmesh gateway benchmark · ${facts.cpu} · ${facts.cores} cores · Node ${facts.node}`);
  log(`scenarios ${SCENARIOS.join(', ')} · rates ${RATES.join(', ')} req/s · modes ${MODES.join(', ')}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'brainmesh-bench-gateway-'));
  log(`child logs in ${dir}`);
  let brainmesh;
  let result;
  try {
    if (SCENARIOS.includes('portkey')) await ensurePortkey();
    const mock = await startMock(dir);
    log(`mock upstream (${mock.kind}) at ${mock.url}, latency ${UPSTREAM_LATENCY_MS} ms`);

    const targets = [];
    if (SCENARIOS.includes('direct')) {
      targets.push({
        name: 'direct',
        origin: mock.url,
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
        processes: [],
      });
    }
    let relay;
    if (SCENARIOS.includes('node-relay')) {
      const port = await freePort();
      relay = await startProcess(
        'node-relay',
        [join(HERE, 'node-relay.mjs'), '--port', String(port), '--upstream', mock.url],
        {
          env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
          logFile: join(dir, 'node-relay.log'),
          ready: (text) => /listening on/.test(text),
        },
      );
      targets.push({
        name: 'node-relay',
        origin: `http://127.0.0.1:${port}`,
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
        processes: [relay],
      });
    }
    let portkey;
    if (SCENARIOS.includes('portkey')) {
      portkey = await startPortkey(dir);
      log(`portkey ${portkeyVersion()} at ${portkey.url}`);
      targets.push({
        name: 'portkey',
        origin: portkey.url,
        path: '/v1/chat/completions',
        headers: {
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${mock.url}/v1`,
          authorization: `Bearer ${UPSTREAM_KEY}`,
        },
        processes: [portkey],
      });
    }
    if (SCENARIOS.includes('brainmesh')) {
      log('brainmesh (production shape: one process per service, real Postgres/Kafka/Redis) ...');
      brainmesh = await startBrainmesh(dir, mock.url);
      targets.push({
        name: 'brainmesh',
        origin: brainmesh.url,
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${brainmesh.apiKey}` },
        processes: [...brainmesh.processes, ...brainmesh.infra],
      });
    }
    for (const t of targets) await verify(t);
    log(`verified: every target answers with the mock's completion (${MODES.join(' and ')})`);
    if (brainmesh) {
      const spent = await waitUntil(
        () => brainmesh.spent(),
        (v) => v > 0,
        10_000,
      );
      if (!(spent > 0))
        throw new Error('brainmesh: the tenant budget shows no spend after the check requests');
      log(`brainmesh accounting: the budget shows $${spent.toFixed(8)} spent by the check requests`);
    }

    if (flag('hold')) {
      for (const t of targets) {
        const headers = Object.entries(t.headers)
          .map(([k, v]) => ` -H '${k}: ${v}'`)
          .join('');
        log(
          `${t.name}: curl ${t.origin}${t.path} -H 'content-type: application/json'${headers} -d '${BODIES.json}'`,
        );
      }
      log('holding (--hold): Ctrl-C stops everything');
      await new Promise((resolve) => process.once('SIGINT', resolve));
      return;
    }

    const allProcesses = [
      mock,
      ...(relay ? [relay] : []),
      ...(portkey ? [portkey] : []),
      ...(brainmesh?.processes ?? []),
    ];
    const resources = allProcesses.map((p) => ({ name: p.name, pid: p.pid, before: procStats(p.pid)?.rss }));
    resources.push({ name: 'load generator', before: process.memoryUsage().rss });

    for (const mode of MODES) {
      for (const t of targets)
        await closedLoop({ send: sender(t, mode), concurrency: PRIME_CONCURRENCY, durationMs: PRIME_MS });
    }

    // CPU time per completed request of every process involved (the generator included).
    const watchedFor = (t) => [
      { name: 'load generator', pid: process.pid },
      { name: 'mock', pid: mock.pid },
      ...t.processes,
    ];
    const open = [];
    for (const rate of RATES) {
      for (const mode of MODES) {
        for (const t of targets) {
          const send = sender(t, mode);
          await openLoop({
            send,
            rate,
            durationMs: WARMUP_MS,
            maxInFlight: MAX_IN_FLIGHT,
            drainMs: DRAIN_MS,
          });
          await sleep(PAUSE_MS);
          const r = await withCpu(watchedFor(t), () =>
            openLoop({ send, rate, durationMs: MEASURE_MS, maxInFlight: MAX_IN_FLIGHT, drainMs: DRAIN_MS }),
          );
          Object.assign(r, { scenario: t.name, mode });
          open.push(r);
          const fb = r.firstByte ? `  ttfb p50 ${ms(r.firstByte.p50)} p99 ${ms(r.firstByte.p99)}` : '';
          log(
            `open   ${t.name.padEnd(10)} ${mode.padEnd(6)} ${String(rate).padStart(5)}/s  achieved ${r.achieved.toFixed(0).padStart(5)}/s  ` +
              `p50 ${ms(r.latency.p50)}  p99 ${ms(r.latency.p99)}  max ${ms(r.latency.max)}${fb}  errors ${r.errors}  dropped ${r.dropped}  gen lag ${ms(r.generatorMaxLag)}` +
              (r.errors ? `  ${JSON.stringify(r.statuses)}` : '') +
              `\n         cpu ms/req ${r.cpu.map((c) => `${c.name} ${c.msPerRequest.toFixed(3)}`).join(', ')}`,
          );
          await sleep(PAUSE_MS);
        }
      }
    }

    const closed = [];
    for (const mode of MODES) {
      for (const t of targets) {
        const send = sender(t, mode);
        await closedLoop({ send, concurrency: CLOSED_CONCURRENCY, durationMs: CLOSED_WARMUP_MS });
        const r = await withCpu(watchedFor(t), () =>
          closedLoop({ send, concurrency: CLOSED_CONCURRENCY, durationMs: CLOSED_MS }),
        );
        Object.assign(r, { scenario: t.name, mode });
        closed.push(r);
        log(
          `closed ${t.name.padEnd(10)} ${mode.padEnd(6)} ${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${ms(r.latency.p50)}  p99 ${ms(r.latency.p99)}  errors ${r.errors}` +
            (r.errors ? `  ${JSON.stringify(r.statuses)}` : '') +
            `  cpu ms/req ${r.cpu.map((c) => `${c.name} ${c.msPerRequest.toFixed(3)}`).join(', ')}`,
        );
        await sleep(PAUSE_MS);
      }
    }

    let accounting;
    if (brainmesh) {
      accounting = await brainmesh.spent();
      log(`brainmesh accounting: the budget shows $${accounting.toFixed(6)} spent`);
    }
    for (const r of resources) r.after = r.pid ? procStats(r.pid)?.rss : process.memoryUsage().rss;
    const notes = [
      `Upstream: ${mock.kind}, one process, fixed ${UPSTREAM_LATENCY_MS} ms before the answer (streaming: before the first chunk). ` +
        `Load generator: undici ${require('undici/package.json').version} Pool (keep-alive) in the parent process. ` +
        `Every process shares the same ${facts.cores} cores; nothing is pinned or paused.`,
    ];
    if (relay) {
      notes.push(
        'node-relay: `bench/gateway/node-relay.mjs`, one Node process (node:http server and keep-alive client) that pipes ' +
          'the request and the answer through unparsed: the cost of one Node.js process hop on this machine.',
      );
    }
    if (portkey) {
      notes.push(
        `Portkey: @portkey-ai/gateway ${portkeyVersion()} (\`build/start-server.js --headless\`, NODE_ENV=production, @hono/node-server 1.13.5), ` +
          'one Node process, routed with `x-portkey-provider: openai` + `x-portkey-custom-host`.',
      );
    }
    if (brainmesh) {
      notes.push(
        `brainmesh: production shape, one process per service (gateway, auth, ai-routing, analytics; \`node services/<name>/dist/main.js\`, NODE_ENV=production, LOG_LEVEL=${LOG_LEVEL}) ` +
          'against real PostgreSQL, Kafka and Redis (tools/infra); API key auth (credential cache on), Redis rate limiter (limits raised), provider and route from the admin API, ' +
          `usage accounting on with a hard tenant budget (never reached; $${accounting.toFixed(4)} spent over the run).`,
      );
    }
    result = { facts, notes, open, closed, resources };
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
    if (brainmesh) await brainmesh.stop();
    await Promise.all(children.map((c) => stopProcess(c)));
    for (const cleanup of cleanups) await cleanup();
    if (CPU_PROF) log(`CPU profiles in ${join(dir, 'profiles')}`);
    if (CPU_PROF || flag('keep-logs')) log(`child logs kept in ${dir}`);
    else if (result || flag('hold')) rmSync(dir, { recursive: true, force: true });
  }
  if (!result) return;
  const block = render({ ...result, totalSeconds: Math.round((Date.now() - began) / 1000) });
  log(`\n${block}\n`);
  if (flag('no-write') || QUICK) return; // --quick numbers are a smoke test, not results
  log(`written to ${writeDoc(block)}`);
}

if (!flag('hold')) {
  // Ctrl-C: stop the children and drop the run's databases, then exit (a second Ctrl-C: at once).
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\ninterrupted: stopping the child processes and dropping the databases (Ctrl-C again to exit now)');
    void Promise.all(children.map((c) => stopProcess(c, 10_000)))
      .then(async () => {
        for (const cleanup of cleanups) await cleanup();
      })
      .finally(() => process.exit(130));
  });
}

await main();

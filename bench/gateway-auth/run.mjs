// Benchmark: what authentication costs on the gateway's hot path.
//
//   node bench/gateway-auth/run.mjs            (after `npx nx run-many -t build`)
//
// Two embedded platforms (every service in one process, PGlite `memory://`, gRPC on loopback) run
// as child processes of this script: one with the gateway's credential cache on
// (AUTH_CACHE_TTL_MS=5000), one with it off (AUTH_CACHE_TTL_MS=0). Rate limits are raised so they
// never trigger. This process is the load generator (undici when it is installed, else node:http with a keep-alive
// agent; open and closed loops from bench/lib/open-loop.mjs). Scenarios run side by side, interleaved per rate:
//
//   healthz        GET /healthz                       no authentication (the floor)
//   key-cached     GET /v1/me  API key, cache on      no gRPC call while the entry is fresh
//   key-uncached   GET /v1/me  API key, cache off     one AuthenticateApiKey gRPC call per request
//   jwt-cached     GET /v1/me  access token, cache on no gRPC call while the entry is fresh
//
// Open loop: requests leave on a fixed schedule whatever the completions, latency is measured from
// the intended send time (queueing is not hidden), at most MAX_IN_FLIGHT at once (the rest count as
// dropped). Then a closed loop (CLOSED_CONCURRENCY workers back to back) for max throughput.
// Every loop is bounded in count and in time. Results are printed and written to
// docs/benchmarks.md (between the gateway-auth markers; the text around them is kept).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop, machine, openLoop, sleep, writeBetweenMarkers } from '../lib/open-loop.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(ROOT, 'package.json'));

const RATES = [200, 500, 1000];
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
const MAX_IN_FLIGHT = 2_000;
const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_MS = 12_000; // after the last scheduled send, how long to wait for stragglers
const PAUSE_MS = 300; // between runs
const CLOSED_CONCURRENCY = 64;
const CLOSED_MS = 5_000;
const CLOSED_WARMUP_MS = 1_000;
const CLOSED_MAX_REQUESTS = 200_000;
const PRIME_MS = 1_500; // once per scenario before anything is measured: JIT, connections, pools
const PRIME_CONCURRENCY = 8;
const START_TIMEOUT_MS = 120_000;
const RATE_LIMITS = JSON.stringify({
  default: { rps: 100_000, burst: 100_000 },
  ip: { rps: 100_000, burst: 100_000 },
});
const MARK_START = '<!-- gateway-auth:results:start (written by bench/gateway-auth/run.mjs) -->';
const MARK_END = '<!-- gateway-auth:results:end -->';

// ---------------------------------------------------------------------------------------------
// Child: one embedded platform, bootstrapped, answering "rss" and "stop" over IPC.

async function serve(ttlMs) {
  const { InProcessPlatform, firstRun } = require('@brainmesh/embedded');
  const platform = new InProcessPlatform({
    dataDir: 'memory://',
    gatewayPort: 0,
    logLevel: 'warn',
    serviceEnv: (service) => (service === 'gateway' ? { AUTH_CACHE_TTL_MS: String(ttlMs), RATE_LIMITS } : {}),
  });
  const { gatewayUrl, services } = await platform.start();
  const auth = services.find((s) => s.name === 'auth');
  const dir = mkdtempSync(join(os.tmpdir(), 'brainmesh-bench-'));
  const file = join(dir, 'credentials.json');
  const result = await firstRun(auth.grpcAddress, gatewayUrl, file);
  rmSync(dir, { recursive: true, force: true });
  if (!result.created) throw new Error('first run did not create credentials');
  const stop = async () => {
    await platform.stop();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message.type === 'rss') process.send({ type: 'rss', id: message.id, memory: process.memoryUsage() });
    if (message.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send({ type: 'ready', gatewayUrl, credentials: result.credentials });
}

// ---------------------------------------------------------------------------------------------
// Parent: the load generator.

function startServer(ttlMs) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(ttlMs)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (m) => {
    if (m.type === 'rss') pending.get(m.id)?.(m.memory);
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`platform (ttl ${ttlMs}) not ready in time`)),
      START_TIMEOUT_MS,
    );
    child.on('message', (m) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`platform (ttl ${ttlMs}) exited with ${code}`));
    });
  });
  let paused = false;
  return {
    child,
    ready,
    /** SIGSTOP while the other platform is measured: an idle platform still burns a few % of a core. */
    setPaused(value) {
      if (value === paused || child.exitCode !== null) return;
      child.kill(value ? 'SIGSTOP' : 'SIGCONT');
      paused = value;
    },
    rss: () =>
      new Promise((resolve) => {
        const id = nextId++;
        const timer = setTimeout(() => resolve(undefined), 5_000);
        pending.set(id, (memory) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(memory);
        });
        child.send({ type: 'rss', id });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        if (paused) child.kill('SIGCONT');
        paused = false;
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      }),
  };
}

/** An HTTP GET that calls back once with (error, status). */
function makeClient() {
  let undici;
  try {
    undici = require('undici');
  } catch {
    undici = undefined;
  }
  if (undici) {
    const pools = new Map();
    return {
      name: `undici ${undici.version ?? ''}`.trim(),
      get(url, headers, done) {
        const origin = url.origin;
        let pool = pools.get(origin);
        if (!pool) pools.set(origin, (pool = new undici.Pool(origin, { connections: 256 })));
        pool
          .request({ path: url.pathname, method: 'GET', headers, headersTimeout: REQUEST_TIMEOUT_MS })
          .then(async (res) => {
            await res.body.dump();
            done(null, res.statusCode);
          })
          .catch((error) => done(error));
      },
      close: () => Promise.all([...pools.values()].map((p) => p.close())),
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  return {
    name: `node:http ${process.version} (keep-alive Agent, maxSockets 256)`,
    get(url, headers, done) {
      let called = false;
      const once = (error, status) => {
        if (called) return;
        called = true;
        done(error, status);
      };
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers, agent },
        (res) => {
          res.on('error', once);
          res.on('end', () => once(null, res.statusCode));
          res.resume();
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
      req.on('error', once);
      req.end();
    },
    close: async () => agent.destroy(),
  };
}

/** One GET of `target` as the shared loops want it: ok means 200. */
const sendOf = (client, target) => (done) =>
  client.get(target.url, target.headers, (error, status) => done(error ?? status, !error && status === 200));

/** Open loop (bench/lib/open-loop.mjs) with this benchmark's bounds; latency percentiles at the top level. */
async function openLoopOf(client, target, rate, durationMs) {
  const r = await openLoop({
    send: sendOf(client, target),
    rate,
    durationMs,
    maxInFlight: MAX_IN_FLIGHT,
    drainMs: DRAIN_MS,
  });
  return { ...r, ...r.latency };
}

/** Closed loop (bench/lib/open-loop.mjs); latency percentiles at the top level. */
async function closedLoopOf(client, target, concurrency, durationMs) {
  const r = await closedLoop({
    send: sendOf(client, target),
    concurrency,
    durationMs,
    maxRequests: CLOSED_MAX_REQUESTS,
  });
  return { ...r, ...r.latency };
}

async function login(gatewayUrl, credentials) {
  const body = JSON.stringify({
    email: credentials.owner_email,
    password: credentials.owner_password,
    tenant: credentials.tenant_slug,
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  const response = await fetch(new URL('/v1/auth/login', gatewayUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: abort.signal,
  }).finally(() => clearTimeout(timer));
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  const json = await response.json();
  if (!json.access_token) throw new Error(`login gave no access token: ${JSON.stringify(json)}`);
  return json.access_token;
}

async function probe(client, target) {
  const status = await new Promise((resolve) =>
    client.get(target.url, target.headers, (error, s) => resolve(error ? error.message : s)),
  );
  if (status !== 200) throw new Error(`${target.name}: GET ${target.url.pathname} answered ${status}`);
}

const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const added = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : 'n/a');
const mb = (m) => (m ? `${(m.rss / 2 ** 20).toFixed(0)} MB` : 'n/a');

function render({ facts, clientName, open, closed, memory, totalSeconds }) {
  const lines = [];
  lines.push(
    `Run: ${facts.date} · CPU: ${facts.cpu} · ${facts.cores} cores · ${facts.memory} RAM · Node ${facts.node} · ${facts.os}`,
  );
  lines.push(
    `Load generator: ${clientName}, in the parent process; each platform in its own child process, ` +
      `all on the same ${facts.cores} cores; the platform not under test is stopped (SIGSTOP). Each scenario was ` +
      `primed once (${PRIME_CONCURRENCY} concurrent for ${PRIME_MS / 1000} s) before anything was measured. ` +
      `Total run time ${totalSeconds} s.`,
  );
  lines.push('');
  lines.push(
    `### Open loop (fixed arrival rate, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; latency from the intended send time, ms)`,
  );
  lines.push('');
  lines.push(
    '| scenario | target req/s | achieved req/s | p50 | p90 | p99 | max | errors | dropped | added p50 | added p99 |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const rate of RATES) {
    const floor = open.find((r) => r.scenario === 'healthz' && r.rate === rate);
    for (const r of open.filter((x) => x.rate === rate)) {
      const isFloor = r.scenario === 'healthz';
      lines.push(
        `| ${r.scenario} | ${r.rate} | ${r.achieved.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ` +
          `${r.errors}${r.timedOut ? ` (${r.timedOut} timed out)` : ''} | ${r.dropped} | ` +
          `${isFloor ? '—' : added(r.p50 - floor.p50)} | ${isFloor ? '—' : added(r.p99 - floor.p99)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `### Closed loop (${CLOSED_CONCURRENCY} concurrent requests back to back, ${CLOSED_MS / 1000} s after ${CLOSED_WARMUP_MS / 1000} s warm-up; latency per request, ms)`,
  );
  lines.push('');
  lines.push('| scenario | req/s | p50 | p99 | max | errors |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of closed) {
    lines.push(
      `| ${r.scenario} | ${r.throughput.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.errors} |`,
    );
  }
  lines.push('');
  lines.push('### Memory (RSS)');
  lines.push('');
  lines.push('| process | before | after |');
  lines.push('| --- | ---: | ---: |');
  for (const m of memory) lines.push(`| ${m.name} | ${mb(m.before)} | ${mb(m.after)} |`);
  return lines.join('\n');
}

function writeDoc(block) {
  return writeBetweenMarkers(join(ROOT, 'docs/benchmarks.md'), {
    start: MARK_START,
    end: MARK_END,
    block,
    intro:
      '## Gateway authentication overhead\n\n' +
      'How to run: `npx nx run-many -t build`, then `node bench/gateway-auth/run.mjs` (about 3 minutes).\n\n',
  });
}

async function main() {
  const began = Date.now();
  const facts = machine();
  const client = makeClient();
  console.log(`brainmesh gateway-auth benchmark · ${facts.cpu} · ${facts.cores} cores · Node ${facts.node}`);
  console.log(`client: ${client.name}`);

  const cached = startServer(5000);
  const uncached = startServer(0);
  let result;
  try {
    const [a, b] = await Promise.all([cached.ready, uncached.ready]);
    console.log(
      `platforms up in ${((Date.now() - began) / 1000).toFixed(1)} s: ${a.gatewayUrl} (cache 5000 ms), ${b.gatewayUrl} (cache off)`,
    );
    const token = await login(a.gatewayUrl, a.credentials);
    const bearer = (credential) => ({ authorization: `Bearer ${credential}` });
    const targets = [
      { name: 'healthz', server: cached, url: new URL('/healthz', a.gatewayUrl), headers: {} },
      {
        name: 'key-cached',
        server: cached,
        url: new URL('/v1/me', a.gatewayUrl),
        headers: bearer(a.credentials.api_key),
      },
      {
        name: 'key-uncached',
        server: uncached,
        url: new URL('/v1/me', b.gatewayUrl),
        headers: bearer(b.credentials.api_key),
      },
      { name: 'jwt-cached', server: cached, url: new URL('/v1/me', a.gatewayUrl), headers: bearer(token) },
    ];
    for (const t of targets) await probe(client, t);
    // Only the platform under test runs; the other one is stopped (SIGSTOP) meanwhile.
    const activate = (server) => {
      for (const s of [cached, uncached]) s.setPaused(server !== undefined && s !== server);
    };
    // (A query in flight when its platform is stopped logs "db query slow" with the stopped time.)

    const memory = [
      { name: 'platform, cache on (AUTH_CACHE_TTL_MS=5000)', before: await cached.rss() },
      { name: 'platform, cache off (AUTH_CACHE_TTL_MS=0)', before: await uncached.rss() },
      { name: 'load generator', before: process.memoryUsage() },
    ];

    for (const t of targets) {
      activate(t.server);
      await closedLoopOf(client, t, PRIME_CONCURRENCY, PRIME_MS);
    }

    const open = [];
    for (const rate of RATES) {
      for (const t of targets) {
        activate(t.server);
        await openLoopOf(client, t, rate, WARMUP_MS);
        await sleep(PAUSE_MS);
        const r = { scenario: t.name, ...(await openLoopOf(client, t, rate, MEASURE_MS)) };
        open.push(r);
        console.log(
          `open   ${t.name.padEnd(13)} ${String(rate).padStart(5)}/s  achieved ${r.achieved.toFixed(0).padStart(5)}/s  ` +
            `p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  errors ${r.errors}  dropped ${r.dropped}` +
            (r.errors ? `  ${JSON.stringify(r.statuses)}` : ''),
        );
        await sleep(PAUSE_MS);
      }
    }

    const closed = [];
    for (const t of targets) {
      activate(t.server);
      await closedLoopOf(client, t, CLOSED_CONCURRENCY, CLOSED_WARMUP_MS);
      const r = { scenario: t.name, ...(await closedLoopOf(client, t, CLOSED_CONCURRENCY, CLOSED_MS)) };
      closed.push(r);
      console.log(
        `closed ${t.name.padEnd(13)} ${r.throughput.toFixed(0).padStart(5)} req/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  errors ${r.errors}`,
      );
      await sleep(PAUSE_MS);
    }

    activate(undefined); // both running again, to answer
    memory[0].after = await cached.rss();
    memory[1].after = await uncached.rss();
    memory[2].after = process.memoryUsage();
    result = { facts, clientName: client.name, open, closed, memory };
  } finally {
    await client.close();
    await Promise.all([cached.stop(), uncached.stop()]);
  }
  const block = render({ ...result, totalSeconds: Math.round((Date.now() - began) / 1000) });
  console.log(`\n${block}\n`);
  console.log(`written to ${writeDoc(block)}`);
}

if (process.argv[2] === '--serve') {
  await serve(Number(process.argv[3]));
} else {
  await main();
}

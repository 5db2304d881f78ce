// Where the time goes in a V8 CPU profile (from `node --cpu-prof`, e.g. `run.mjs --cpu-prof`):
//
//   node bench/gateway/cpuprofile-top.mjs <file.cpuprofile> [N]
//
// Prints the N (default 30) functions with the most self time, then self time per package
// (node_modules package, node: internals, or the repo path of our own code). Percentages are of
// the busy (non-idle) time.
import { readFileSync } from 'node:fs';

const [file, n = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/gateway/cpuprofile-top.mjs <file.cpuprofile> [N]');
  process.exit(64);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + dt);
}

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(/^.*?\/(services|libs)\//, '$1/');
const packageOf = (url, name) => {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/((?:services|libs)\/[^/]+)\//.exec(url);
  return own ? own[1] : url;
};

// Coarse buckets for "where does the CPU go" (self time; socket writes are native functions).
const CATEGORIES = [
  [
    'socket writes (syscalls)',
    (pkg, name) =>
      /^(writev|writeUtf8String|writeBuffer|writeString|writeLatin1String|writeAsciiString)$/.test(name),
  ],
  ['garbage collector', (pkg, name) => name === '(garbage collector)'],
  [
    'gRPC (grpc-js, protobuf, http2)',
    (pkg) => /^(@grpc\/|@bufbuild\/|libs\/grpc|node:internal\/http2)/.test(pkg) || pkg === 'libs/contracts',
  ],
  [
    'HTTP server (fastify, nest, helmet, node:http)',
    (pkg) =>
      /^(fastify|@fastify\/|@nestjs\/|helmet|find-my-way|light-my-request|secure-json-parse|fast-json-stringify|avvio|node:_http|@hono\/|hono)/.test(
        pkg,
      ),
  ],
  ['upstream HTTP client (undici, fetch)', (pkg) => /^(undici|node:internal\/deps)/.test(pkg)],
  ['Redis client (ioredis)', (pkg) => /^(ioredis|redis-parser|denque|cluster-key-slot)/.test(pkg)],
  ['Postgres and Kafka clients (pg, typeorm, kafkajs)', (pkg) => /^(pg|pg-|typeorm|kafkajs)/.test(pkg)],
  ['logging (pino)', (pkg) => /^(pino|sonic-boom|fast-redact|quick-format)/.test(pkg)],
  [
    'tracing and metrics (OpenTelemetry, prom-client)',
    (pkg) => /^(@opentelemetry\/|prom-client|libs\/telemetry)/.test(pkg),
  ],
  ['validation (zod)', (pkg) => pkg === 'zod'],
  [
    'async_hooks, promises, timers',
    (pkg, name) =>
      /^node:(internal\/async_hooks|async_hooks|internal\/process|internal\/timers|timers)/.test(pkg) ||
      name === 'runMicrotasks',
  ],
  ['our code (services/*, libs/*)', (pkg) => /^(services|libs)\//.test(pkg)],
  [
    'module loading (start-up)',
    (pkg, name) =>
      /^(wrapSafe|compileSourceTextModule|readFileUtf8|internalModuleStat)$/.test(name) ||
      /^node:internal\/modules/.test(pkg),
  ],
];
const byCategory = new Map();

const byFunction = new Map();
const byPackage = new Map();
for (const [id, t] of selfTime) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const name = functionName || '(anonymous)';
  const key = url ? `${name}  ${shortUrl(url)}:${lineNumber + 1}` : name;
  byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  const pkg = url.startsWith('node:internal/')
    ? url.slice(0, url.lastIndexOf('/')) || url
    : packageOf(url, name);
  byPackage.set(packageOf(url, name), (byPackage.get(packageOf(url, name)) ?? 0) + t);
  if (name !== '(idle)') {
    const category =
      CATEGORIES.find(([, test]) => test(pkg, name))?.[0] ?? 'other (node internals, native, V8)';
    byCategory.set(category, (byCategory.get(category) ?? 0) + t);
  }
}

const idle = byFunction.get('(idle)') ?? 0;
const busy = total - idle;
const row = (t, label) =>
  `${(t / 1000).toFixed(0).padStart(8)} ms ${label === '(idle)' ? '     ' : `${((100 * t) / busy).toFixed(1).padStart(5)}%`}  ${label}`;
console.log(
  `${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (percentages are of busy time)`,
);
console.log('\nself time by function');
for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(row(t, k));
console.log('\nself time by category');
for (const [k, t] of [...byCategory].sort((a, b) => b[1] - a[1])) console.log(row(t, k));
console.log('\nself time by package');
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(row(t, k));

#!/usr/bin/env node
// Generates TypeScript from proto/ into libs/contracts/src/gen with buf + ts-proto (local plugin).
//
//   node libs/contracts/scripts/generate.mjs             always regenerate
//   node libs/contracts/scripts/generate.mjs --if-stale  only when gen/ is missing or out of date
//
// - Works from any working directory: the repository root is resolved from this file's location and
//   buf runs with cwd = root (the paths in proto/buf.gen.yaml are root-relative).
// - Fully offline: no BSR dependencies, the only plugin is node_modules/.bin/protoc-gen-ts_proto.
// - Staleness is a sha256 over proto/** (sources + buf configs) and the ts-proto version, stored in
//   gen/.inputs.sha256.
// - Safe under parallel runs (`nx run-many -t lint typecheck test`): runs are serialized by a lock
//   directory, and output is generated into a sibling temp directory then swapped in with rename(),
//   so a concurrent tsc/jest/eslint never sees a half-written gen/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const contractsDir = join(root, 'libs', 'contracts');
const protoDir = join(root, 'proto');
const template = join('proto', 'buf.gen.yaml');
const genRel = join('libs', 'contracts', 'src', 'gen'); // must match `out` in proto/buf.gen.yaml
const genDir = join(root, genRel);
const stampName = '.inputs.sha256';
const lockDir = join(contractsDir, '.gen-lock');
const LOCK_STALE_MS = 120_000;
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

function fail(message) {
  console.error(`contracts generate: ${message}`);
  process.exit(1);
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** Hash of everything that influences the output: proto sources, buf configs, plugin version. */
function inputsHash() {
  const hash = createHash('sha256');
  for (const file of listFiles(protoDir)) {
    hash
      .update(relative(root, file).split('\\').join('/'))
      .update('\0')
      .update(readFileSync(file))
      .update('\0');
  }
  const tsProtoPkg = join(root, 'node_modules', 'ts-proto', 'package.json');
  if (existsSync(tsProtoPkg)) hash.update(`ts-proto@${JSON.parse(readFileSync(tsProtoPkg, 'utf8')).version}`);
  return hash.digest('hex');
}

function readStamp() {
  const file = join(genDir, stampName);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: the first run creates the lock, others wait (a lock older than 2 min is stale). */
function acquireLock() {
  for (;;) {
    try {
      mkdirSync(lockDir);
      process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let age;
    try {
      age = Date.now() - statSync(lockDir).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (age > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
    else sleepSync(100);
  }
}

if (!existsSync(join(protoDir, 'buf.gen.yaml'))) fail(`${template} not found under ${root}`);
const ifStale = process.argv.includes('--if-stale');
const digest = inputsHash();
if (ifStale && readStamp() === digest) process.exit(0);

for (const name of ['buf', 'protoc-gen-ts_proto']) {
  if (!existsSync(bin(name))) {
    fail(`${relative(root, bin(name))} not found; run npm install at the repository root`);
  }
}

acquireLock();
// Another run may have produced exactly this output while we waited for the lock.
if (ifStale && readStamp() === digest) process.exit(0);

const staging = join(contractsDir, `.gen-tmp-${process.pid}`);
const old = join(contractsDir, `.gen-old-${process.pid}`);
const cleanup = () => {
  rmSync(staging, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
};
process.on('exit', cleanup); // fail() exits without unwinding `finally`
cleanup();
mkdirSync(staging, { recursive: true });
try {
  // `-o` prefixes the template's `out`, so files land in <staging>/libs/contracts/src/gen.
  const result = spawnSync(bin('buf'), ['generate', '--template', template, '-o', staging], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) fail(`failed to run buf: ${result.error.message}`);
  if (result.status !== 0) fail(`buf generate exited with ${result.status}`);

  const fresh = join(staging, genRel);
  if (!existsSync(fresh)) fail(`buf generate produced nothing in ${fresh}`);
  writeFileSync(join(fresh, stampName), `${digest}\n`);

  if (existsSync(genDir)) renameSync(genDir, old);
  renameSync(fresh, genDir);
} finally {
  cleanup();
}

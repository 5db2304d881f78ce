// Installs dependencies when they are missing or older than package-lock.json, so that
// `npm start` and `npm test` work on a fresh clone. Uses only Node built-ins.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function say(line) {
  process.stderr.write(`[brainmesh] ${line}\n`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

export function ensureDeps() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing dependencies (npm install from package-lock.json; the first run takes about a minute)…');
  const t0 = Date.now();
  // `npm install`, not `npm ci`: npm 11 writes lock files without other platforms' optional
  // binaries, which `npm ci` then refuses as out of sync. With the lock file present, the locked
  // versions are installed all the same.
  const status = run('npm', ['install', '--no-audit', '--no-fund']);
  if (status !== 0) {
    say('npm install failed: check your access to the npm registry, then run `npm install` to see the error');
    process.exit(status);
  }
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
  say(`dependencies installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export function build() {
  say('building (nx run-many -t build; cached after the first run)…');
  const t0 = Date.now();
  const status = run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], {
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (status !== 0) {
    say('the build failed: run `npx nx run-many -t build` to see the errors');
    process.exit(status);
  }
  say(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) ensureDeps();

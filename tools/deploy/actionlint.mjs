#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (https://github.com/rhysd/actionlint), built
// from the Go module proxy with `go install` into ~/.cache/brainmesh/tools/actionlint/<version>/
// the first time (about a minute; later runs reuse the binary).
//
//   node tools/deploy/actionlint.mjs                 lint .github/workflows/*.{yml,yaml}
//   node tools/deploy/actionlint.mjs FILE…           lint these workflow files
//   node tools/deploy/actionlint.mjs --ensure        only build/fetch the binary (prints its path)
//
// actionlint also runs shellcheck on `run:` scripts when shellcheck is on the PATH (it is on
// GitHub's ubuntu runners); set BRAINMESH_SHELLCHECK=0 to skip it.
// Exit code: 0 clean, 1 findings, 2 the tool could not be built or run.
// Also exports the helpers that build Go tools into the cache (used by dockerfile-lint.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsScript } from './lib.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ACTIONLINT_VERSION = 'v1.7.12';
export const TOOLS_DIR =
  process.env.BRAINMESH_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'brainmesh', 'tools');

export function say(line) {
  process.stderr.write(`[deploy] ${line}\n`);
}

export class ToolError extends Error {}

/** The Go toolchain version ("1.26.8"), or a ToolError saying how to get one. */
export function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new ToolError(
      'Go is needed to build the deploy checks (actionlint, dockerfile-check) once: install Go 1.24+ ' +
        'from https://go.dev/dl and make sure `go` is on the PATH',
    );
  }
  return result.stdout.trim().replace(/^go/, '');
}

/**
 * Runs `go ARGS` and streams its output as progress, with a heartbeat every 15 s (a cold build of
 * a large module prints nothing for a while). Resolves on success, rejects with a ToolError.
 */
export function runGo(args, { cwd, env = {}, label }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const forward = (chunk) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) say(`  ${label}: ${line.trim()}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const beat = setInterval(() => {
      say(`  ${label}: still working (${Math.round((Date.now() - started) / 1000)} s)…`);
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(beat);
      reject(new ToolError(`go ${args.join(' ')}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(beat);
      if (code === 0) resolve();
      else reject(new ToolError(`go ${args.join(' ')} failed (exit ${code}):\n${tail.trim()}`));
    });
  });
}

/**
 * Returns `dir/name` when it exists; otherwise runs `build(tmpDir)` (which must leave `name` in
 * tmpDir) and moves tmpDir to dir atomically, so concurrent callers never see a half-built tool.
 */
export async function ensureCachedBinary({ dir, name, what, build }) {
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;
  const go = goVersion();
  const started = Date.now();
  say(`building ${what} with Go ${go} into ${dir} (once; later runs reuse it)…`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    if (!existsSync(join(tmp, name))) throw new ToolError(`${what}: the build produced no ${name}`);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process finished first: use its binary.
      if (!existsSync(binary)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  say(`built ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

export function ensureActionlint() {
  return ensureCachedBinary({
    dir: join(TOOLS_DIR, 'actionlint', ACTIONLINT_VERSION),
    name: 'actionlint',
    what: `actionlint ${ACTIONLINT_VERSION}`,
    build: (tmp) =>
      runGo(['install', '-trimpath', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
        cwd: tmp,
        env: { GOBIN: tmp },
        label: 'go install actionlint',
      }),
  });
}

export function workflowFiles(root = ROOT) {
  const dir = join(root, '.github', 'workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function hasShellcheck() {
  const result = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

/** Runs actionlint on `files`; returns { ok, output, shellcheck }. */
export async function actionlint(files, { cwd = ROOT } = {}) {
  const binary = await ensureActionlint();
  const shellcheck = process.env.BRAINMESH_SHELLCHECK !== '0' && hasShellcheck();
  const args = ['-no-color', ...(shellcheck ? [] : ['-shellcheck=']), ...files];
  const result = spawnSync(binary, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new ToolError(`actionlint: ${result.error.message}`);
  const output = `${result.stdout}${result.stderr}`.trim();
  // actionlint exits 1 on findings, 2 on invalid options, 3 on fatal errors.
  if (result.status !== 0 && result.status !== 1) {
    throw new ToolError(`actionlint failed (exit ${result.status}): ${output}`);
  }
  return { ok: result.status === 0, output, shellcheck };
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: node tools/deploy/actionlint.mjs [--ensure] [workflow.yml…]\n' +
        '  (no files: .github/workflows/*.yml; --ensure: only build the cached actionlint binary)\n',
    );
    return 0;
  }
  if (argv.includes('--ensure')) {
    const binary = await ensureActionlint();
    process.stdout.write(`${binary}\n`);
    return 0;
  }
  const files = argv.length > 0 ? argv : workflowFiles();
  if (files.length === 0) {
    say('no workflow files found under .github/workflows');
    return 1;
  }
  const started = Date.now();
  const { ok, output, shellcheck } = await actionlint(files);
  const names = files.map((f) => relative(process.cwd(), f) || f).join(', ');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!ok) {
    process.stdout.write(`${output}\n`);
    say(`actionlint ${ACTIONLINT_VERSION}: problems in ${names} (${seconds} s)`);
    return 1;
  }
  say(
    `actionlint ${ACTIONLINT_VERSION}: ${names} OK (${seconds} s` +
      `${shellcheck ? ', with shellcheck' : ', shellcheck not found: run: scripts not checked'})`,
  );
  return 0;
}

runAsScript(import.meta.url, main, (err) => {
  say(err instanceof ToolError ? err.message : (err?.stack ?? String(err)));
  return 2;
});

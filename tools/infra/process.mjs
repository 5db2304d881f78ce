// Shared helpers: paths, ports, logging, the lock, pid files, detached processes and waiting.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export class InfraError extends Error {}

export function defaultBaseDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'brainmesh', 'infra');
}

export function baseDir() {
  return process.env.BRAINMESH_INFRA_DIR ? path.resolve(process.env.BRAINMESH_INFRA_DIR) : defaultBaseDir();
}

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InfraError(`${name}=${raw} is not a TCP port`);
  return n;
}

export function ports() {
  const kafka = intEnv('BRAINMESH_KAFKA_PORT', 59092);
  return {
    postgres: intEnv('BRAINMESH_PG_PORT', 55432),
    kafka,
    kafkaController: intEnv('BRAINMESH_KAFKA_CONTROLLER_PORT', kafka + 1),
    redis: intEnv('BRAINMESH_REDIS_PORT', 56379),
  };
}

/** Elapsed-seconds stopwatch: `const t = stopwatch(); ...; t()` -> "4.2 s". */
export function stopwatch() {
  const start = Date.now();
  return () => `${((Date.now() - start) / 1000).toFixed(1)} s`;
}

/** Per-component logger: `log('kafka', 'ready')` -> "[infra] kafka: ready". */
export function makeLogger(sink = (line) => console.error(line)) {
  return (component, msg) => sink(component ? `[infra] ${component}: ${msg}` : `[infra] ${msg}`);
}

export function mkdirp(dir, mode) {
  fs.mkdirSync(dir, { recursive: true, mode });
  return dir;
}

export function which(cmd) {
  for (const dir of (process.env.PATH || '')
    .split(path.delimiter)
    .concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Last lines of a log, without Java stack frames (the exception line above them says more). */
export function tail(file, lines = 15) {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return all
      .filter((l) => !/^\s+(at |\.\.\. \d+ more)/.test(l))
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

// ---- processes -------------------------------------------------------------------------------------------

/** Alive and not a zombie (a child that exited but was not reaped yet still answers kill(pid, 0)). */
export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function readPid(pidFile) {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid in pidFile, if that process is alive and its command line contains every marker (guards pid reuse). */
export function ownedPid(pidFile, markers) {
  const pid = readPid(pidFile);
  if (!pid || !isAlive(pid)) return null;
  const cmd = cmdline(pid);
  return !cmd || markers.every((m) => cmd.includes(m)) ? pid : null;
}

/**
 * Start a long-lived process in its own session (survives the parent), stdout+stderr appended to logFile,
 * pid written to pidFile. Returns { pid, exited() }: exited() is true once the process is gone.
 */
export function spawnDetached(cmd, args, { logFile, pidFile, cwd, env, uid, gid }) {
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n===== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  let child;
  try {
    child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      uid,
      gid,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    fs.closeSync(fd);
  }
  let gone = false;
  child.on('exit', () => (gone = true));
  child.on('error', () => (gone = true));
  child.unref();
  if (!child.pid) throw new InfraError(`could not start ${cmd}: see ${logFile}`);
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  return { pid: child.pid, exited: () => gone || !isAlive(child.pid) };
}

/** Signal pid, wait up to graceMs for it to go, then SIGKILL. */
export async function stopPid(pid, { signal = 'SIGTERM', graceMs = 15000 } = {}) {
  if (!isAlive(pid)) return 'not running';
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return 'killed';
}

/**
 * Run a command to completion. Output is kept (last lines shown on failure); onLine receives each line
 * when progress should be shown. Throws InfraError with `hint` on a non-zero exit.
 */
export function run(cmd, args, { cwd, env, uid, gid, onLine, hint } = {}) {
  return new Promise((resolve, reject) => {
    const lines = [];
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: env ?? process.env, uid, gid, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new InfraError(`${cmd}: ${e.message}${hint ? `\n  ${hint}` : ''}`));
      return;
    }
    let partial = '';
    const onData = (buf) => {
      const parts = (partial + buf.toString()).split(/\r?\n|\r/);
      partial = parts.pop();
      for (const line of parts) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 200) lines.shift();
        onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new InfraError(`${cmd}: ${e.message}${hint ? `\n  ${hint}` : ''}`)));
    child.on('close', (code) => {
      if (partial.trim()) lines.push(partial);
      if (code === 0) resolve(lines.join('\n'));
      else
        reject(
          new InfraError(
            `\`${[cmd, ...args].join(' ')}\` exited with ${code}:\n${lines.slice(-15).join('\n')}${hint ? `\n  ${hint}` : ''}`,
          ),
        );
    });
  });
}

export function runSync(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', ...opts });
}

// ---- waiting -----------------------------------------------------------------------------------------------

export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Poll `probe` (async, returns truthy when ready, throws/returns falsy when not) until it succeeds.
 * Fails early when `proc.exited()`; the error names the log file to read.
 */
export async function waitReady(probe, { timeoutMs, intervalMs = 250, proc, what, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (proc?.exited()) {
      throw new InfraError(`${what} exited during startup. Last log lines (${logFile}):\n${tail(logFile)}`);
    }
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new InfraError(
    `${what} not ready after ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}. Read ${logFile}:\n${tail(logFile)}`,
  );
}

// ---- lock --------------------------------------------------------------------------------------------------

/**
 * Run fn while holding `lockFile` (O_EXCL, our pid inside; a dead holder's lock is taken over).
 * While another live process holds it: `onWait(holder)` at most every `announceMs`, and after
 * `timeoutMs` `onTimeout(holder)` (which throws) ends the wait.
 */
export async function withPidLock(
  lockFile,
  fn,
  { onWait = () => {}, announceMs = 10_000, pollMs = 250, timeoutMs = Infinity, onTimeout } = {},
) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = 0;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = readPid(lockFile);
      if (holder === null) {
        // Being written right now, or garbage: give a writer a moment, then remove it.
        await sleep(200);
        if (readPid(lockFile) === null) fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (!isAlive(holder) || holder === process.pid) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline && onTimeout) onTimeout(holder);
      if (Date.now() - announced > announceMs) {
        onWait(holder);
        announced = Date.now();
      }
      await sleep(pollMs);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  }
}

/** Run fn while holding <base>/infra.lock (see {@link withPidLock}); gives up after 15 min. */
export function withLock(base, fn, log = () => {}) {
  const lockFile = path.join(base, 'infra.lock');
  return withPidLock(lockFile, fn, {
    onWait: (holder) => log(null, `waiting for another infra command (pid ${holder}) to finish…`),
    timeoutMs: 15 * 60_000,
    onTimeout: (holder) => {
      throw new InfraError(
        `another infra command (pid ${holder}) holds ${lockFile}; stop it or remove the file`,
      );
    },
  });
}

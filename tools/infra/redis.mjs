// Redis from Debian's redis-server package (installed with apt-get when missing and we are root).
import net from 'node:net';
import path from 'node:path';
import { InfraError, mkdirp, ports, run, stopwatch, spawnDetached, which } from './process.mjs';

export const name = 'redis';
export const port = () => ports().redis;
export const markers = () => ['redis-server', `127.0.0.1:${port()}`];
export const stopSignal = 'SIGTERM';
export const readyTimeoutMs = 20_000;

async function redisServer(log) {
  const found = which('redis-server');
  if (found) return found;
  const cmd = 'apt-get update && apt-get install -y redis-server';
  if (process.getuid?.() !== 0 || !which('apt-get')) {
    throw new InfraError(
      `redis-server is not installed; run: sudo ${cmd.replaceAll('&& apt-get', '&& sudo apt-get')}`,
    );
  }
  const t = stopwatch();
  log(name, 'installing Debian redis-server with apt-get (first run, ~20 s)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const show = (line) => log(name, `apt: ${line}`);
  const hint = `apt-get failed; run by hand: ${cmd}`;
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', ['-q', ...lock, 'update'], { env, hint, onLine: show });
  await run('apt-get', ['-q', '-y', ...lock, 'install', '--no-install-recommends', 'redis-server'], {
    env,
    hint,
    onLine: (line) => /^(Get:|Unpacking|Setting up|E:)/.test(line) && show(line),
  });
  const installed = which('redis-server');
  if (!installed) throw new InfraError(`apt-get installed redis-server but it is not on PATH; ${hint}`);
  log(name, `installed in ${t()}`);
  return installed;
}

export async function start(base, log, { pidFile, logFile }) {
  const bin = await redisServer(log);
  const dir = mkdirp(path.join(base, 'redis'));
  return spawnDetached(
    bin,
    [
      '--port',
      String(port()),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ],
    { logFile, pidFile, cwd: dir },
  );
}

/** Raw RESP PING -> +PONG. */
export function probe() {
  return new Promise((resolve) => {
    const socket = net.connect({ port: port(), host: '127.0.0.1' });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (buf) => {
      reply += buf.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export function env() {
  return { REDIS_URL: `redis://127.0.0.1:${port()}` };
}

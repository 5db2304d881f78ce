import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onShutdownSignal } from '@brainmesh/runtime';
import pino from 'pino';
import { firstRun } from './first-run';
import { InProcessPlatform } from './in-process-platform';

/**
 * `npm start`: the whole platform on this machine. JSON logs go to .brainmesh/logs/brainmesh.log
 * (LOG_TO_STDOUT=true prints them instead); the console shows progress and where things are.
 */
async function main(): Promise<void> {
  const root = resolve(process.env.BRAINMESH_HOME ?? '.brainmesh');
  const dataDir = join(root, 'data');
  const logFile = join(root, 'logs', 'brainmesh.log');
  mkdirSync(join(root, 'logs'), { recursive: true });
  const toStdout = /^(1|true|yes)$/i.test(process.env.LOG_TO_STDOUT ?? '');
  const say = (line: string) => process.stderr.write(`[brainmesh] ${line}\n`);

  const gatewayPort = Number(process.env.PORT ?? 8080);
  say(`starting the embedded platform (data in ${dataDir})`);
  const t0 = Date.now();
  const platform = new InProcessPlatform({
    dataDir,
    gatewayPort,
    gatewayHost: process.env.HOST ?? '127.0.0.1',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    logDestination: toStdout ? undefined : pino.destination({ dest: logFile, mkdir: true, sync: false }),
    onProgress: say,
  });
  onShutdownSignal(async () => {
    await platform.stop();
    say('stopped cleanly');
  });
  try {
    const { gatewayUrl } = await platform.start();
    const url = gatewayUrl.replace('127.0.0.1', 'localhost');
    say(`all 6 services up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const first = await firstRun(
      platform.host('auth').address.grpcAddress,
      url,
      join(root, 'credentials.json'),
    );
    if (first.created) {
      say(`first run: created a platform operator, tenant "default" with an owner, and an API key`);
      say(`credentials: ${first.file} (mode 0600; shown only there, keep it safe)`);
    } else if (first.fileExists) {
      say(`credentials: ${first.file}`);
    }
    say(`gateway:  ${url}   (health ${url}/healthz, readiness ${url}/readyz, status ${url}/v1/status)`);
    say(`logs:     ${toStdout ? 'stdout' : logFile}`);
    say('press Ctrl-C to stop');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    say(`failed to start: ${message}`);
    if (/EADDRINUSE/.test(message))
      say(`port ${gatewayPort} is in use: stop the other process or set PORT=<free port>`);
    if (!toStdout) say(`details in ${logFile}`);
    await platform.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();

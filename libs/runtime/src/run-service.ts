import { ConfigError } from '@brainmesh/config';
import { shutdownTracing } from '@brainmesh/telemetry';
import type { BaseServiceConfig } from './service-config';
import type { ServiceDefinition } from './service-definition';
import { ServiceHost } from './service-host';

/**
 * On SIGINT/SIGTERM runs `stop` once (graceful drain) and exits; a second signal exits at once.
 */
export function onShutdownSignal(
  stop: () => Promise<void>,
  onError: (err: unknown) => void = console.error,
): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal} received: draining and stopping (press Ctrl-C again to force)\n`);
    stop()
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          onError(err);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * The production entry point of one service (`node services/<name>/dist/main.js [serve|migrate]`),
 * configured by environment variables. Bad configuration exits 78 with one line per variable.
 */
export async function runService<C extends BaseServiceConfig>(
  definition: ServiceDefinition<C>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const command = argv[0] ?? 'serve';
  let host: ServiceHost<C>;
  try {
    host = ServiceHost.fromEnv(definition);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${definition.name}: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  switch (command) {
    case 'migrate': {
      const applied = await host.migrate().catch((err: unknown) => {
        console.error(`migrate failed: ${err instanceof Error ? err.message : String(err)}`);
        return process.exit(/DATABASE_URL|DATA_DIR/.test(String(err)) ? 78 : 1);
      });
      host.logger.info(
        { applied },
        applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date',
      );
      await new Promise((resolve) => host.logger.flush(resolve));
      process.exit(0);
      break;
    }
    case 'serve':
      onShutdownSignal(
        () => host.stop(),
        (err) => host.logger.error({ err }, 'shutdown failed'),
      );
      await host.start().catch((err: unknown) => {
        console.error(
          `${definition.name} failed to start: ${err instanceof Error ? err.message : String(err)}`,
        );
        process.exit(1);
      });
      break;
    default:
      console.error(`usage: main.js [serve|migrate] (unknown command "${command}")`);
      process.exit(64);
  }
}

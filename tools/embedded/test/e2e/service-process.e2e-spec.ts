import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { checkHealth } from '@brainmesh/grpc';
import { createTestDatabase, requireInfraEnv, waitFor } from '@brainmesh/testing';

const ROOT = resolve(__dirname, '../../../..');

function runNode(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, exit, output: () => output };
}

/** One service as its own process, configured by environment variables: the production shape. */
describe('a service process (production shape)', () => {
  const main = join(ROOT, 'services/analytics/dist/main.js');

  it('refuses a bad configuration with one line naming the variable and the expected form', async () => {
    const run = runNode([main], { HTTP_PORT: 'eighty', DATABASE_URL: 'postgres://x@127.0.0.1:1/db' });
    expect(await run.exit).toBe(78);
    expect(run.output()).toContain('HTTP_PORT must be a TCP port number (0-65535) (got "eighty")');
  });

  it('refuses to serve with pending migrations, migrates, serves, and drains on SIGTERM', async () => {
    const infra = requireInfraEnv();
    const db = await createTestDatabase('analytics_proc', infra.pgUrl);
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'info',
    };
    try {
      const refused = runNode([main], env);
      expect(await refused.exit).toBe(1);
      expect(refused.output()).toContain('pending migrations');
      expect(refused.output()).toContain('migrate');

      const migrate = runNode([main, 'migrate'], env);
      expect(await migrate.exit).toBe(0);
      expect(migrate.output()).toContain('CreatePipelineProbes1732300000100');

      const serve = runNode([main], env);
      await waitFor(() => /analytics started/.test(serve.output()) || serve.child.exitCode !== null, {
        timeoutMs: 60_000,
        description: 'analytics to start',
      });
      const started = serve
        .output()
        .split('\n')
        .filter((l) => l.includes('analytics started'))
        .map((l) => JSON.parse(l) as { httpUrl: string; grpcAddress: string })[0]!;
      expect((await fetch(`${started.httpUrl}/readyz`)).status).toBe(200);
      expect(await checkHealth(started.grpcAddress)).toBe('SERVING');
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toBe(0);
      expect(serve.output()).toContain('analytics stopped');
    } finally {
      await db.drop();
    }
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { InProcessPlatform } from '@brainmesh/embedded';
import { createTestDatabase, requireInfraEnv } from '@brainmesh/testing';

const CLI = resolve(__dirname, '../../dist/main.js');
const run = promisify(execFile);

async function brainmesh(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI against a running platform (over the public API) and a real database (migrate). */
describe('brainmesh CLI', () => {
  let platform: InProcessPlatform;
  let gatewayUrl: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brainmesh-cli-'));
    platform = new InProcessPlatform({ dataDir: 'memory://', gatewayPort: 0, logLevel: 'warn' });
    ({ gatewayUrl } = await platform.start());
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('bootstraps once, then creates a tenant as the operator and an API key as its owner', async () => {
    const credentials = join(dir, 'credentials.json');
    const auth = platform.host('auth').address.grpcAddress;
    const first = await brainmesh([
      'bootstrap',
      '--auth-grpc',
      auth,
      '--url',
      gatewayUrl,
      '--out',
      credentials,
    ]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('created the first operator');
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    const again = await brainmesh([
      'bootstrap',
      '--auth-grpc',
      auth,
      '--url',
      gatewayUrl,
      '--out',
      join(dir, 'other.json'),
    ]);
    expect(again.stdout).toContain('already bootstrapped');

    const tenant = await brainmesh([
      'tenant',
      'create',
      '--credentials',
      credentials,
      '--slug',
      'globex',
      '--name',
      'Globex',
      '--owner-email',
      'hank@globex.test',
      '--owner-password',
      'a long enough secret',
    ]);
    expect(tenant.code).toBe(0);
    expect(JSON.parse(tenant.stdout)).toMatchObject({ slug: 'globex', name: 'Globex', status: 'active' });

    const key = await brainmesh([
      'apikey',
      'create',
      '--url',
      gatewayUrl,
      '--tenant',
      'globex',
      '--email',
      'hank@globex.test',
      '--password',
      'a long enough secret',
      '--name',
      'ci',
      '--scopes',
      'chat,embeddings',
    ]);
    expect(key.code).toBe(0);
    const created = JSON.parse(key.stdout) as { key: string; scopes: string[] };
    expect(created.scopes).toEqual(['chat', 'embeddings']);
    const me = await fetch(`${gatewayUrl}/v1/me`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(await me.json()).toMatchObject({ subject_type: 'api_key' });
  }, 60_000);

  it('explains what is wrong: API errors, missing flags, unknown commands', async () => {
    const badLogin = await brainmesh([
      'apikey',
      'create',
      '--url',
      gatewayUrl,
      '--tenant',
      'globex',
      '--email',
      'nobody@example.com',
      '--password',
      'nope',
      '--name',
      'k',
    ]);
    expect(badLogin.code).toBe(2);
    expect(badLogin.stderr).toContain('POST /v1/auth/login failed with 401');
    const missing = await brainmesh(
      ['tenant', 'create', '--url', gatewayUrl, '--email', 'nobody@example.com', '--password', 'p'],
      {},
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('--slug is required');
    const unknown = await brainmesh(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: brainmesh');
  });

  it('migrates a real database and is idempotent', async () => {
    const infra = requireInfraEnv();
    const db = await createTestDatabase('cli_auth', infra.pgUrl);
    try {
      const first = await brainmesh(['migrate', 'auth'], { AUTH_DATABASE_URL: db.url });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^auth: applied CreateEventTables\d+, /);
      const second = await brainmesh(['migrate'], { AUTH_DATABASE_URL: db.url });
      expect(second.stdout.trim()).toBe('auth: up to date');
      const none = await brainmesh(['migrate']);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('AUTH_DATABASE_URL');
    } finally {
      await db.drop();
    }
  }, 60_000);
});

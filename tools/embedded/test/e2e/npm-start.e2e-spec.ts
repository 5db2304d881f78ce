import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { waitFor } from '@brainmesh/testing';

const ROOT = resolve(__dirname, '../../../..');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

/**
 * The embedded mode as a user runs it (`npm start` runs this same entry point after install and
 * build): six services in one process on PGlite and the in-process bus, then Ctrl-C.
 */
describe('embedded platform process (npm start)', () => {
  let child: ChildProcess | undefined;
  let home: string;
  let output = '';

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'brainmesh-embedded-'));
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('starts every service, writes first-run credentials once, serves the gateway, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [join(ROOT, 'tools/embedded/dist/main.js')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), BRAINMESH_HOME: home, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    await waitFor(() => output.includes('press Ctrl-C') || child!.exitCode !== null, {
      timeoutMs: 90_000,
      description: 'the platform to start',
    });
    expect(output).toContain('all 6 services up');
    for (const name of ['auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics', 'gateway']) {
      expect(output).toMatch(new RegExp(`${name}\\s+ready in`));
    }
    expect(output).toContain(`gateway:  http://localhost:${port}`);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as {
      services: { status: string }[];
    };
    expect(status.services.filter((s) => s.status === 'up')).toHaveLength(6);
    expect(readdirSync(join(home, 'data')).sort()).toEqual([
      'ai-routing',
      'analytics',
      'auth',
      'knowledge',
      'orchestrator',
    ]);

    // First run: an operator, tenant "default" with an owner, and an API key, written once, 0600.
    const file = join(home, 'credentials.json');
    expect(output).toContain(`credentials: ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(creds).sort()).toEqual([
      'api_key',
      'gateway_url',
      'operator_email',
      'operator_password',
      'owner_email',
      'owner_password',
      'tenant_slug',
    ]);
    expect(creds.gateway_url).toBe(`http://localhost:${port}`);
    const me = await fetch(`http://127.0.0.1:${port}/v1/me`, {
      headers: { authorization: `Bearer ${creds.api_key}` },
    });
    expect(await me.json()).toMatchObject({ subject_type: 'api_key' });
    const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: creds.owner_email,
        password: creds.owner_password,
        tenant: creds.tenant_slug,
      }),
    });
    expect(login.status).toBe(200);

    const exited = new Promise<number | null>((res) => child!.on('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped cleanly');

    // Second run on the same data: nothing new is created, the file is left as it was.
    output = '';
    child = spawn(process.execPath, [join(ROOT, 'tools/embedded/dist/main.js')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), BRAINMESH_HOME: home, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('press Ctrl-C') || child!.exitCode !== null, {
      timeoutMs: 90_000,
      description: 'the platform to start again',
    });
    expect(output).not.toContain('first run');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(creds);
    const again = await fetch(`http://127.0.0.1:${port}/v1/me`, {
      headers: { authorization: `Bearer ${creds.api_key}` },
    });
    expect(again.status).toBe(200);
    const exitedAgain = new Promise<number | null>((res) => child!.on('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exitedAgain).toBe(0);
  }, 240_000);
});

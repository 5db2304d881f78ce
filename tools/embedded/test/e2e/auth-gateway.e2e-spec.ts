import { credentials } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { unaryCall } from '@brainmesh/grpc';
import { createTestDatabase, requireInfraEnv, waitFor, type TestDatabase } from '@brainmesh/testing';
import SwaggerParser from '@apidevtools/swagger-parser';
import Redis from 'ioredis';
import { base32Decode, totp } from '../../../../services/auth/src/domain/totp';
import { InProcessPlatform } from '../../src/in-process-platform';

interface Json {
  [key: string]: unknown;
}

/**
 * Tenants, people and keys through the public gateway over HTTP, with the auth service behind it
 * on its real Postgres database and Kafka.
 */
describe('gateway authentication and the auth routes', () => {
  const infra = requireInfraEnv();
  const databases: Record<string, TestDatabase> = {};
  let platform: InProcessPlatform;
  let url: string;
  let first: authV1.BootstrapResponse;

  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const login = async (email: string, password: string, tenant?: string) => {
    const res = await call('POST', '/v1/auth/login', {
      body: { email, password, ...(tenant ? { tenant } : {}) },
    });
    expect(res.status).toBe(200);
    return res.body as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      expires_in: number;
    };
  };

  beforeAll(async () => {
    for (const name of ['auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics']) {
      databases[name] = await createTestDatabase(`gw_${name.replace('-', '_')}`, infra.pgUrl);
    }
    platform = new InProcessPlatform({
      eventBus: 'kafka',
      gatewayPort: 0,
      logLevel: 'error',
      serviceEnv: (name) =>
        name === 'gateway'
          ? {
              AUTH_CACHE_TTL_MS: '2000',
              // Limits shared through the real Redis, roomy enough that this suite never trips them.
              REDIS_URL: infra.redisUrl,
              RATE_LIMITS: '{"ip":{"rps":50,"burst":1000},"default":{"rps":100,"burst":1000}}',
            }
          : {
              DATABASE_URL: databases[name]!.url,
              KAFKA_BROKERS: infra.kafkaBrokers.join(','),
              DATABASE_POOL_MAX: '4',
            },
    });
    url = (await platform.start()).gatewayUrl;
    const auth = new authV1.AuthServiceClient(
      platform.host('auth').address.grpcAddress,
      credentials.createInsecure(),
    );
    first = await unaryCall<authV1.BootstrapRequest, authV1.BootstrapResponse>(auth, 'bootstrap', {
      operatorEmail: '',
      ownerEmail: '',
    });
    auth.close();
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await Promise.all(Object.values(databases).map((db) => db.drop()));
  }, 60_000);

  it('refuses missing and bad credentials with 401 problem+json', async () => {
    const missing = await call('GET', '/v1/me');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body.detail).toContain('Authorization: Bearer');
    expect((await call('GET', '/v1/me', { token: 'bm_notarealkey000000000000000000000' })).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: 'not.a.jwt' })).status).toBe(401);
  });

  it('logs in, answers /v1/me, serves the JWKS, rotates refresh tokens and revokes a reused family', async () => {
    expect(first.created).toBe(true);
    const tokens = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 });

    const me = await call('GET', '/v1/me', { token: tokens.access_token });
    expect(me.body).toMatchObject({ subject_type: 'user', tenant_id: first.tenantId, role: 'owner' });

    const jwks = await call('GET', '/.well-known/jwks.json');
    const kid = JSON.parse(Buffer.from(tokens.access_token.split('.')[0]!, 'base64url').toString()).kid;
    expect((jwks.body.keys as { kid: string }[]).map((k) => k.kid)).toContain(kid);

    const wrong = await call('POST', '/v1/auth/login', {
      body: { email: first.ownerEmail, password: 'wrong password!', tenant: first.tenantSlug },
    });
    const unknown = await call('POST', '/v1/auth/login', {
      body: { email: 'nobody@example.com', password: 'wrong password!', tenant: first.tenantSlug },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);

    const rotated = await call('POST', '/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect(rotated.status).toBe(200);
    const reused = await call('POST', '/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect(reused.status).toBe(401);
    const familyGone = await call('POST', '/v1/auth/refresh', {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(familyGone.status).toBe(401);
  });

  it('validates bodies and parameters, naming the field at fault, and writes nothing', async () => {
    const tokens = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    const bad = await call('POST', '/v1/api-keys', {
      token: tokens.access_token,
      body: { name: '', scopes: ['root'] },
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['name', 'scopes.0']);
    const badId = await call('DELETE', '/v1/api-keys/not-a-uuid', { token: tokens.access_token });
    expect(badId.status).toBe(400);
    expect(badId.body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    const list = await call('GET', '/v1/api-keys', { token: tokens.access_token });
    expect((list.body.data as { name: string }[]).map((k) => k.name)).not.toContain('');
  });

  it('issues an API key once, authenticates with it, and stops it within the cache bound after revocation', async () => {
    const tokens = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    const created = await call('POST', '/v1/api-keys', {
      token: tokens.access_token,
      body: { name: 'ci', scopes: ['chat', 'embeddings'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^bm_[0-9A-Za-z]{40,}$/);
    expect(created.body).toMatchObject({ name: 'ci', scopes: ['chat', 'embeddings'], expires_at: null });
    const key = created.body.key as string;

    const me = await call('GET', '/v1/me', { token: key });
    expect(me.body).toMatchObject({
      subject_type: 'api_key',
      subject_id: created.body.id,
      tenant_id: first.tenantId,
      plan: 'free',
    });
    const listed = await call('GET', '/v1/api-keys', { token: tokens.access_token });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    expect(
      (await call('DELETE', `/v1/api-keys/${String(created.body.id)}`, { token: tokens.access_token }))
        .status,
    ).toBe(204);
    const revokedAt = Date.now();
    await waitFor(async () => (await call('GET', '/v1/me', { token: key })).status === 401, {
      timeoutMs: 5_000,
      intervalMs: 100,
      description: 'the revoked key to be refused',
    });
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(5_000);
  });

  it('keeps tenants apart, and a suspended tenant loses every key and token', async () => {
    const operator = await login(first.operatorEmail, first.operatorPassword);
    const ownerA = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);

    // Only operators manage tenants.
    expect((await call('GET', '/v1/admin/tenants', { token: ownerA.access_token })).status).toBe(403);
    const tenantB = await call('POST', '/v1/admin/tenants', {
      token: operator.access_token,
      body: {
        slug: 'acme',
        name: 'Acme',
        owner_email: 'owner@acme.test',
        owner_password: 'correct horse battery',
      },
    });
    expect(tenantB.status).toBe(201);
    expect(tenantB.body).toMatchObject({
      slug: 'acme',
      name: 'Acme',
      status: 'active',
      owner_user_id: expect.any(String),
    });

    const ownerB = await login('owner@acme.test', 'correct horse battery', 'acme');
    const keyB = await call('POST', '/v1/api-keys', {
      token: ownerB.access_token,
      body: { name: 'b', scopes: ['*'] },
    });
    const userB = tenantB.body.owner_user_id as string;

    // Tenant A cannot see, change or delete tenant B's keys and users.
    expect(
      (await call('DELETE', `/v1/api-keys/${String(keyB.body.id)}`, { token: ownerA.access_token })).status,
    ).toBe(404);
    expect(
      (await call('PATCH', `/v1/users/${userB}`, { token: ownerA.access_token, body: { role: 'viewer' } }))
        .status,
    ).toBe(404);
    expect((await call('DELETE', `/v1/users/${userB}`, { token: ownerA.access_token })).status).toBe(404);
    const keysA = await call('GET', '/v1/api-keys', { token: ownerA.access_token });
    expect((keysA.body.data as { id: string }[]).map((k) => k.id)).not.toContain(keyB.body.id);
    const usersA = await call('GET', '/v1/users', { token: ownerA.access_token });
    expect((usersA.body.data as { id: string }[]).map((u) => u.id)).not.toContain(userB);
    expect((await call('GET', '/v1/api-keys', { token: keyB.body.key as string })).status).toBe(200);

    // The last owner stays.
    const demote = await call('PATCH', `/v1/users/${userB}`, {
      token: ownerB.access_token,
      body: { role: 'viewer' },
    });
    expect(demote.status).toBe(409);

    const suspended = await call('PATCH', `/v1/admin/tenants/${String(tenantB.body.id)}`, {
      token: operator.access_token,
      body: { status: 'suspended' },
    });
    expect(suspended.body.status).toBe('suspended');
    await waitFor(
      async () =>
        (await call('GET', '/v1/me', { token: keyB.body.key as string })).status === 401 &&
        (await call('GET', '/v1/me', { token: ownerB.access_token })).status === 401,
      {
        timeoutMs: 5_000,
        intervalMs: 100,
        description: "the suspended tenant's key and token to be refused",
      },
    );
    expect((await call('GET', '/v1/me', { token: ownerA.access_token })).status).toBe(200);
  });

  it('MFA: enrol, confirm, login asks for a code, a TOTP or a one-time recovery code finishes it', async () => {
    const operator = await login(first.operatorEmail, first.operatorPassword);
    await call('POST', '/v1/admin/tenants', {
      token: operator.access_token,
      body: {
        slug: 'mfa-co',
        name: 'MFA Co',
        owner_email: 'ada@mfa.test',
        owner_password: 'a very long password',
      },
    });
    const session = await login('ada@mfa.test', 'a very long password', 'mfa-co');
    const enrolled = await call('POST', '/v1/auth/mfa/enroll', { token: session.access_token });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    const secret = base32Decode(enrolled.body.secret as string);
    const codeAt = (offsetSteps: number) => totp(secret, new Date(Date.now() + offsetSteps * 30_000));

    expect(
      (await call('POST', '/v1/auth/mfa/confirm', { token: session.access_token, body: { code: '000000' } }))
        .status,
    ).toBe(401);
    const confirmed = await call('POST', '/v1/auth/mfa/confirm', {
      token: session.access_token,
      body: { code: codeAt(-1) },
    });
    expect(confirmed.status).toBe(200);
    const recovery = confirmed.body.recovery_codes as string[];
    expect(recovery).toHaveLength(10);

    const pending = await call('POST', '/v1/auth/login', {
      body: { email: 'ada@mfa.test', password: 'a very long password', tenant: 'mfa-co' },
    });
    expect(pending.body).toEqual({ mfa_required: true, mfa_token: expect.any(String) });
    const verified = await call('POST', '/v1/auth/mfa/verify', {
      body: { mfa_token: pending.body.mfa_token, code: codeAt(0) },
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    const again = await call('POST', '/v1/auth/mfa/verify', {
      body: { mfa_token: pending.body.mfa_token, code: codeAt(1) },
    });
    expect(again.status).toBe(401);

    const withRecovery = async () => {
      const p = await call('POST', '/v1/auth/login', {
        body: { email: 'ada@mfa.test', password: 'a very long password', tenant: 'mfa-co' },
      });
      return call('POST', '/v1/auth/mfa/verify', {
        body: { mfa_token: p.body.mfa_token, code: recovery[0] },
      });
    };
    expect((await withRecovery()).status).toBe(200);
    expect((await withRecovery()).status).toBe(401);

    const off = await call('DELETE', '/v1/auth/mfa', {
      token: verified.body.access_token as string,
      body: { code: recovery[1] },
    });
    expect(off.status).toBe(204);
    const plain = await login('ada@mfa.test', 'a very long password', 'mfa-co');
    expect(plain.access_token).toEqual(expect.any(String));
  });

  it('audit log: every mutation with who, where and result, filtered, paginated, per tenant', async () => {
    const owner = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    const res = await fetch(`${url}/v1/api-keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${owner.access_token}`,
        'content-type': 'application/json',
        'user-agent': 'audit-test/1.0',
        'x-request-id': 'audit-req-1',
      },
      body: JSON.stringify({ name: 'audited', scopes: ['chat'] }),
    });
    const key = (await res.json()) as { id: string };

    const page = await call('GET', '/v1/audit-events?action=api_key.create&limit=50', {
      token: owner.access_token,
    });
    expect(page.status).toBe(200);
    const row = (page.body.data as Json[]).find((e) => e.target_id === key.id);
    expect(row).toMatchObject({
      tenant_id: first.tenantId,
      actor_type: 'user',
      action: 'api_key.create',
      result: 'success',
      user_agent: 'audit-test/1.0',
      request_id: 'audit-req-1',
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(JSON.stringify(page.body)).not.toMatch(/bm_[0-9A-Za-z]{20,}/);

    // Cursor pagination: one by one, no repeats, newest first.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) {
      const p = await call(
        'GET',
        `/v1/audit-events?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: owner.access_token },
      );
      expect(p.body.data).toHaveLength(1);
      seen.push((p.body.data as Json[])[0]!.id as string);
      cursor = p.body.next_cursor as string;
      expect(cursor).toEqual(expect.any(String));
    }
    expect(new Set(seen).size).toBe(3);
    expect([...seen].sort().reverse()).toEqual(seen);

    expect((await call('GET', '/v1/audit-events?limit=0', { token: owner.access_token })).status).toBe(400);
    // Another tenant's owner sees only their own tenant's events, and cannot ask for tenant A's.
    const operator = await login(first.operatorEmail, first.operatorPassword);
    await call('POST', '/v1/admin/tenants', {
      token: operator.access_token,
      body: {
        slug: 'audit-b',
        name: 'Audit B',
        owner_email: 'bo@audit-b.test',
        owner_password: 'another long password',
      },
    });
    const other = await login('bo@audit-b.test', 'another long password', 'audit-b');
    const theirs = await call('GET', '/v1/audit-events?limit=200', { token: other.access_token });
    expect((theirs.body.data as Json[]).length).toBeGreaterThan(0);
    expect((theirs.body.data as Json[]).every((e) => e.tenant_id !== first.tenantId)).toBe(true);
    const foreign = await call('GET', `/v1/audit-events?tenant_id=${first.tenantId}`, {
      token: other.access_token,
    });
    expect(foreign.status).toBe(403);
    const anon = await call('GET', '/v1/audit-events');
    expect(anon.status).toBe(401);
  });

  it('serves a valid OpenAPI 3.1 document that matches the routes actually served, and a reference page', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();

    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const fastify = platform.host('gateway').nestApp.getHttpAdapter().getInstance();
    const served = new Set(
      fastify
        .servedRoutes()
        .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/(.)\/$/, '$1')}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    for (const route of [
      'POST /v1/auth/login',
      'GET /v1/audit-events',
      'DELETE /v1/api-keys/{id}',
      'PATCH /v1/admin/tenants/{id}',
    ]) {
      expect(documented).toContain(route);
    }
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('rate limits through the real Redis: RateLimit-* headers and a shared bucket per credential', async () => {
    const owner = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    const subject = (
      (await call('GET', '/v1/me', { token: owner.access_token })).body as { subject_id: string }
    ).subject_id;
    // A replica serves a key from its token lease and gives unspent tokens back after 1 s idle;
    // after that, the next request has to lease from the bucket in Redis.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const monitor = await redis.monitor();
    try {
      const commands: string[] = [];
      monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
      const res = await call('GET', '/v1/me', { token: owner.access_token });
      expect(res.headers.get('ratelimit-limit')).toBe('1000');
      expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(1000);
      await waitFor(() => commands.some((c) => c.includes(`rl:key:${subject}`)));
    } finally {
      monitor.disconnect();
      redis.disconnect();
    }
  });
});

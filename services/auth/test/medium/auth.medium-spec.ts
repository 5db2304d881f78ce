import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { createGrpcClient, unaryCall } from '@brainmesh/grpc';
import { ServiceHost } from '@brainmesh/runtime';
import { createTestDatabase, LogCapture, requireInfraEnv, type TestDatabase } from '@brainmesh/testing';
import { decodeProtectedHeader } from 'jose';
import { DataSource } from 'typeorm';
import { authService } from '../../src/auth.service';

type Client = authV1.AuthServiceClient;

/** The auth service on real Postgres and Kafka, called over a real gRPC connection. */
describe('auth service over gRPC on real Postgres', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  let db: TestDatabase;
  let host: ServiceHost;
  let client: Client;
  const call = <Req, Res>(method: string, req: Req) => unaryCall<Req, Res>(client, method as never, req);
  const rpc = {
    bootstrap: (r: Partial<authV1.BootstrapRequest> = {}) =>
      call<authV1.BootstrapRequest, authV1.BootstrapResponse>('bootstrap', {
        operatorEmail: '',
        ownerEmail: '',
        ...r,
      }),
    login: (r: authV1.LoginRequest) => call<authV1.LoginRequest, authV1.LoginResponse>('login', r),
    verify: (accessToken: string) =>
      call<authV1.VerifyAccessTokenRequest, authV1.VerifyAccessTokenResponse>('verifyAccessToken', {
        accessToken,
      }),
    refresh: (refreshToken: string) =>
      call<authV1.RefreshTokensRequest, authV1.RefreshTokensResponse>('refreshTokens', { refreshToken }),
    logout: (refreshToken: string) =>
      call<authV1.LogoutRequest, authV1.LogoutResponse>('logout', { refreshToken }),
    jwks: () => call<authV1.GetJwksRequest, authV1.GetJwksResponse>('getJwks', {}),
    rotate: (actor: authV1.Actor) =>
      call<authV1.RotateSigningKeyRequest, authV1.RotateSigningKeyResponse>('rotateSigningKey', { actor }),
    createTenant: (r: authV1.CreateTenantRequest) =>
      call<authV1.CreateTenantRequest, authV1.CreateTenantResponse>('createTenant', r),
    updateTenant: (r: authV1.UpdateTenantRequest) =>
      call<authV1.UpdateTenantRequest, authV1.UpdateTenantResponse>('updateTenant', r),
    listTenants: (actor: authV1.Actor) =>
      call<authV1.ListTenantsRequest, authV1.ListTenantsResponse>('listTenants', { actor }),
    createKey: (r: authV1.CreateApiKeyRequest) =>
      call<authV1.CreateApiKeyRequest, authV1.CreateApiKeyResponse>('createApiKey', r),
    listKeys: (actor: authV1.Actor) =>
      call<authV1.ListApiKeysRequest, authV1.ListApiKeysResponse>('listApiKeys', { actor }),
    revokeKey: (actor: authV1.Actor, id: string) =>
      call<authV1.RevokeApiKeyRequest, authV1.RevokeApiKeyResponse>('revokeApiKey', { actor, id }),
    authKey: (key: string) =>
      call<authV1.AuthenticateApiKeyRequest, authV1.AuthenticateApiKeyResponse>('authenticateApiKey', {
        key,
      }),
    createUser: (r: authV1.CreateUserRequest) =>
      call<authV1.CreateUserRequest, authV1.CreateUserResponse>('createUser', r),
    listUsers: (actor: authV1.Actor) =>
      call<authV1.ListUsersRequest, authV1.ListUsersResponse>('listUsers', { actor }),
    updateUser: (r: authV1.UpdateUserRequest) =>
      call<authV1.UpdateUserRequest, authV1.UpdateUserResponse>('updateUser', r),
    deleteUser: (actor: authV1.Actor, id: string) =>
      call<authV1.DeleteUserRequest, authV1.DeleteUserResponse>('deleteUser', { actor, id }),
    authorize: (r: authV1.AuthorizeRequest) =>
      call<authV1.AuthorizeRequest, authV1.AuthorizeResponse>('authorize', r),
  };
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return status.OK;
    } catch (err) {
      return (err as { code: number }).code;
    }
  };

  let operator: authV1.Actor;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    db = await createTestDatabase('auth', infra.pgUrl);
    host = ServiceHost.fromEnv(
      authService,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        EVENT_BUS: 'kafka',
        MIGRATE_ON_START: 'true',
        HTTP_PORT: '0',
        GRPC_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        GRPC_HOST: '127.0.0.1',
        DATABASE_POOL_MAX: '4',
        LOG_LEVEL: 'warn',
      },
      { logDestination: logs },
    );
    await host.start();
    client = createGrpcClient(authV1.AuthServiceClient, host.address.grpcAddress, { deadlineMs: 20_000 });
    const boot = await rpc.bootstrap();
    expect(boot.created).toBe(true);
    const opLogin = await rpc.login({
      email: boot.operatorEmail,
      password: boot.operatorPassword,
      tenant: '',
    });
    operator = (await rpc.verify(opLogin.accessToken)).actor!;
    expect(operator).toMatchObject({ subjectType: 'operator', tenantId: '', role: 'operator' });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await host?.stop();
    await db?.drop();
  }, 60_000);

  async function newTenant(slug: string) {
    const created = await rpc.createTenant({
      actor: operator,
      slug,
      name: slug.toUpperCase(),
      ownerEmail: `Owner@${slug}.test`,
      ownerPassword: password,
    });
    const login = await rpc.login({ email: `owner@${slug}.test`, password, tenant: slug });
    const owner = (await rpc.verify(login.accessToken)).actor!;
    return { tenant: created.tenant!, ownerId: created.ownerUserId, owner, login };
  }

  it('bootstrap is idempotent', async () => {
    expect(await rpc.bootstrap()).toMatchObject({ created: false, apiKey: '' });
  });

  it('creates a tenant with its owner; login -> verify -> JWKS has the kid; duplicate slug is ALREADY_EXISTS', async () => {
    const { tenant, ownerId, owner, login } = await newTenant('acme');
    expect(tenant).toMatchObject({ slug: 'acme', status: 'active', plan: 'free' });
    expect(owner).toMatchObject({
      subjectType: 'user',
      subjectId: ownerId,
      tenantId: tenant.id,
      role: 'owner',
    });
    expect(login).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const { kid } = decodeProtectedHeader(login.accessToken);
    expect((await rpc.jwks()).keys.map((k) => k.kid)).toContain(kid);
    expect(
      await code(
        rpc.createTenant({
          actor: operator,
          slug: 'acme',
          name: 'x',
          ownerEmail: 'a@b.test',
          ownerPassword: password,
        }),
      ),
    ).toBe(status.ALREADY_EXISTS);
    expect((await rpc.listTenants(operator)).tenants.map((t) => t.slug)).toEqual(
      expect.arrayContaining(['default', 'acme']),
    );
    expect(await code(rpc.listTenants(owner))).toBe(status.PERMISSION_DENIED);
  });

  it('wrong password and unknown email get the same UNAUTHENTICATED answer', async () => {
    await newTenant('uniform');
    const errors = await Promise.all([
      rpc
        .login({ email: 'owner@uniform.test', password: 'wrong password!!', tenant: 'uniform' })
        .catch((e) => e),
      rpc
        .login({ email: 'nobody@uniform.test', password: 'wrong password!!', tenant: 'uniform' })
        .catch((e) => e),
      rpc.login({ email: 'owner@uniform.test', password, tenant: 'no-such-tenant' }).catch((e) => e),
    ]);
    for (const e of errors)
      expect({ code: e.code, details: e.details }).toEqual({
        code: status.UNAUTHENTICATED,
        details: errors[0].details,
      });
  });

  it('rotating the signing key keeps old tokens valid and publishes both keys', async () => {
    const { login } = await newTenant('rotate');
    const before = decodeProtectedHeader(login.accessToken).kid;
    const { kid } = await rpc.rotate(operator);
    expect(kid).not.toBe(before);
    expect((await rpc.jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, before]));
    expect((await rpc.jwks()).keys[0]!.kid).toBe(kid);
    await expect(rpc.verify(login.accessToken)).resolves.toBeDefined();
    const fresh = await rpc.login({ email: 'owner@rotate.test', password, tenant: 'rotate' });
    expect(decodeProtectedHeader(fresh.accessToken).kid).toBe(kid);
  });

  it('refresh rotates on every use; reuse of a used token revokes the whole family; logout revokes', async () => {
    const { login } = await newTenant('refresh');
    const second = await rpc.refresh(login.refreshToken);
    expect(second.refreshToken).not.toBe(login.refreshToken);
    const third = await rpc.refresh(second.refreshToken);
    // Reuse of the first (already used) token: refused, and the whole family is dead.
    expect(await code(rpc.refresh(login.refreshToken))).toBe(status.UNAUTHENTICATED);
    expect(await code(rpc.refresh(third.refreshToken))).toBe(status.UNAUTHENTICATED);

    const other = await rpc.login({ email: 'owner@refresh.test', password, tenant: 'refresh' });
    await rpc.logout(other.refreshToken);
    expect(await code(rpc.refresh(other.refreshToken))).toBe(status.UNAUTHENTICATED);
  });

  it('API keys: create (shown once), authenticate, list, revoke', async () => {
    const { owner, tenant } = await newTenant('keys');
    const created = await rpc.createKey({
      actor: owner,
      name: 'ci',
      scopes: ['chat', 'embeddings'],
      expiresAt: '',
    });
    expect(created.key).toMatch(/^bm_[0-9A-Za-z]{43}$/);
    expect(created.apiKey).toMatchObject({
      prefix: created.key.slice(3, 11),
      name: 'ci',
      scopes: ['chat', 'embeddings'],
      revokedAt: '',
    });
    expect(await rpc.authKey(created.key)).toEqual({
      tenantId: tenant.id,
      apiKeyId: created.apiKey!.id,
      scopes: ['chat', 'embeddings'],
      tenantStatus: 'active',
      plan: 'free',
    });
    const listed = await rpc.listKeys(owner);
    expect(listed.apiKeys.map((k) => k.id)).toEqual([created.apiKey!.id]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await rpc.revokeKey(owner, created.apiKey!.id);
    expect(await code(rpc.authKey(created.key))).toBe(status.UNAUTHENTICATED);
    expect(await code(rpc.authKey('bm_' + 'x'.repeat(43)))).toBe(status.UNAUTHENTICATED);
    // A key cannot get more than its creator may do.
    const keyActor = {
      subjectType: 'api_key',
      subjectId: created.apiKey!.id,
      tenantId: tenant.id,
      role: '',
      scopes: ['chat'],
      plan: '',
    };
    expect(await code(rpc.createKey({ actor: keyActor, name: 'x', scopes: ['chat'], expiresAt: '' }))).toBe(
      status.PERMISSION_DENIED,
    );
  });

  it('a suspended tenant refuses its keys, access tokens, refresh tokens and logins', async () => {
    const { owner, tenant, login } = await newTenant('suspend');
    const { key } = await rpc.createKey({ actor: owner, name: 'k', scopes: ['*'], expiresAt: '' });
    await rpc.updateTenant({ actor: operator, id: tenant.id, status: 'suspended', name: '', plan: '' });
    expect(await code(rpc.authKey(key))).toBe(status.UNAUTHENTICATED);
    expect(await code(rpc.verify(login.accessToken))).toBe(status.UNAUTHENTICATED);
    expect(await code(rpc.refresh(login.refreshToken))).toBe(status.UNAUTHENTICATED);
    expect(await code(rpc.login({ email: 'owner@suspend.test', password, tenant: 'suspend' }))).toBe(
      status.UNAUTHENTICATED,
    );
    await rpc.updateTenant({ actor: operator, id: tenant.id, status: 'active', name: '', plan: '' });
    await expect(rpc.authKey(key)).resolves.toMatchObject({ tenantId: tenant.id });
  });

  it('users: create, list, change role; the last owner can be neither demoted nor deleted', async () => {
    const { owner, ownerId } = await newTenant('people');
    const dev = (
      await rpc.createUser({ actor: owner, email: 'Dev@people.test', password, role: 'developer' })
    ).user!;
    expect(dev).toMatchObject({ email: 'dev@people.test', role: 'developer' });
    expect(
      await code(rpc.createUser({ actor: owner, email: 'dev@people.test', password, role: 'viewer' })),
    ).toBe(status.ALREADY_EXISTS);
    expect((await rpc.listUsers(owner)).users.map((u) => u.email).sort()).toEqual([
      'dev@people.test',
      'owner@people.test',
    ]);

    const demote = rpc.updateUser({ actor: owner, id: ownerId, role: 'admin' }).catch((e) => e);
    expect((await demote).code).toBe(status.FAILED_PRECONDITION);
    expect((await demote).details).toMatch(/last owner/);
    expect(await code(rpc.deleteUser(owner, ownerId))).toBe(status.FAILED_PRECONDITION);

    // A developer cannot manage users; an admin cannot create owners.
    const devActor = { ...owner, subjectId: dev.id, role: 'developer' };
    expect(
      await code(rpc.createUser({ actor: devActor, email: 'x@people.test', password, role: 'viewer' })),
    ).toBe(status.PERMISSION_DENIED);
    await rpc.updateUser({ actor: owner, id: dev.id, role: 'admin' });
    const adminActor = { ...owner, subjectId: dev.id, role: 'admin' };
    expect(
      await code(rpc.createUser({ actor: adminActor, email: 'o2@people.test', password, role: 'owner' })),
    ).toBe(status.PERMISSION_DENIED);

    // With a second owner the first can step down.
    await rpc.updateUser({ actor: owner, id: dev.id, role: 'owner' });
    await expect(rpc.updateUser({ actor: owner, id: ownerId, role: 'viewer' })).resolves.toMatchObject({
      user: { role: 'viewer' },
    });
    await rpc.deleteUser({ ...owner, subjectId: dev.id }, ownerId);
    expect((await rpc.listUsers({ ...owner, subjectId: dev.id })).users.map((u) => u.id)).toEqual([dev.id]);
  });

  it("cross-tenant: tenant A's actor gets NOT_FOUND for tenant B's users and keys and cannot list them", async () => {
    const a = await newTenant('tenant-a');
    const b = await newTenant('tenant-b');
    const bKey = (await rpc.createKey({ actor: b.owner, name: 'b', scopes: ['chat'], expiresAt: '' }))
      .apiKey!;
    const bUser = (await rpc.createUser({ actor: b.owner, email: 'u@b.test', password, role: 'viewer' }))
      .user!;

    expect(await code(rpc.revokeKey(a.owner, bKey.id))).toBe(status.NOT_FOUND);
    expect(await code(rpc.updateUser({ actor: a.owner, id: bUser.id, role: 'admin' }))).toBe(
      status.NOT_FOUND,
    );
    expect(await code(rpc.deleteUser(a.owner, bUser.id))).toBe(status.NOT_FOUND);
    expect(await code(rpc.deleteUser(a.owner, b.ownerId))).toBe(status.NOT_FOUND);
    expect((await rpc.listKeys(a.owner)).apiKeys.map((k) => k.id)).not.toContain(bKey.id);
    expect((await rpc.listUsers(a.owner)).users.map((u) => u.tenantId)).toEqual([a.tenant.id]);
    expect(
      await rpc.authorize({ actor: a.owner, permission: 'users:read', resourceTenantId: b.tenant.id }),
    ).toEqual({
      allowed: false,
      reason: 'resource belongs to another tenant',
    });
    expect(
      await rpc.authorize({ actor: a.owner, permission: 'users:read', resourceTenantId: a.tenant.id }),
    ).toEqual({ allowed: true, reason: '' });
    // B's things are untouched.
    await expect(
      rpc.authKey((await rpc.createKey({ actor: b.owner, name: 'c', scopes: ['chat'], expiresAt: '' })).key),
    ).resolves.toBeDefined();
    expect((await rpc.listUsers(b.owner)).users).toHaveLength(2);
  });

  it('five failures lock the account with an exponential delay (and it is audited as auth.login.failed)', async () => {
    const tenantId = (await newTenant('lockme')).tenant.id;
    for (let i = 0; i < 5; i++) {
      expect(
        await code(rpc.login({ email: 'owner@lockme.test', password: 'nope nope nope', tenant: 'lockme' })),
      ).toBe(status.UNAUTHENTICATED);
    }
    // Locked for 1 s now: even the right password is refused during the delay.
    expect(await code(rpc.login({ email: 'owner@lockme.test', password, tenant: 'lockme' }))).toBe(
      status.UNAUTHENTICATED,
    );
    await new Promise((r) => setTimeout(r, 1100));
    await expect(
      rpc.login({ email: 'owner@lockme.test', password, tenant: 'lockme' }),
    ).resolves.toBeDefined();
    const failed: { data: { failed_logins: number; locked_until: string | null } }[] = await host.nestApp
      .get(DataSource)
      .query(
        `SELECT envelope->'data' AS data FROM outbox_events WHERE type = 'auth.login.failed' AND tenant_id = $1 ORDER BY id`,
        [tenantId],
      );
    expect(failed.map((e) => e.data.failed_logins)).toEqual([1, 2, 3, 4, 5, 5]);
    expect(failed[4]!.data.locked_until).not.toBeNull();
  });

  it('rejects a malformed actor with INVALID_ARGUMENT', async () => {
    expect(
      await code(
        rpc.listUsers({
          subjectType: 'user',
          subjectId: randomUUID(),
          tenantId: '',
          role: 'owner',
          scopes: [],
          plan: '',
        }),
      ),
    ).toBe(status.INVALID_ARGUMENT);
  });
});

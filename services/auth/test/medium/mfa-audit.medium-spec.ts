import { status } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { createGrpcClient, unaryCall } from '@brainmesh/grpc';
import { ServiceHost } from '@brainmesh/runtime';
import { createTestDatabase, LogCapture, requireInfraEnv, type TestDatabase } from '@brainmesh/testing';
import { DataSource } from 'typeorm';
import { authService } from '../../src/auth.service';
import { base32Decode, hotp, totpStep } from '../../src/domain/totp';

type Client = authV1.AuthServiceClient;
type Actor = authV1.Actor;

/** MFA and the audit log, over a real gRPC connection on real Postgres and Kafka. */
describe('auth service: MFA and audit log', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  let db: TestDatabase;
  let host: ServiceHost;
  let client: Client;
  let sql: DataSource;
  let operator: Actor;
  const password = 'correct horse battery staple';
  const ctx = (n: number | string = 1): authV1.RequestContext => ({
    ip: `203.0.113.${n}`,
    userAgent: `medium-test/${n}`,
    requestId: `req-${n}`,
  });

  const call = <Req, Res>(method: string, req: Req) => unaryCall<Req, Res>(client, method as never, req);
  const rpc = {
    login: (r: authV1.LoginRequest) => call<authV1.LoginRequest, authV1.LoginResponse>('login', r),
    verify: (accessToken: string) =>
      call<authV1.VerifyAccessTokenRequest, authV1.VerifyAccessTokenResponse>('verifyAccessToken', {
        accessToken,
      }),
    verifyMfa: (r: authV1.VerifyMfaRequest) =>
      call<authV1.VerifyMfaRequest, authV1.VerifyMfaResponse>('verifyMfa', r),
    enroll: (actor: Actor) =>
      call<authV1.EnrollMfaRequest, authV1.EnrollMfaResponse>('enrollMfa', { actor, context: ctx('enroll') }),
    confirm: (actor: Actor, code: string) =>
      call<authV1.ConfirmMfaRequest, authV1.ConfirmMfaResponse>('confirmMfa', {
        actor,
        code,
        context: ctx(),
      }),
    disable: (actor: Actor, code: string) =>
      call<authV1.DisableMfaRequest, authV1.DisableMfaResponse>('disableMfa', {
        actor,
        code,
        context: ctx(),
      }),
    createTenant: (r: authV1.CreateTenantRequest) =>
      call<authV1.CreateTenantRequest, authV1.CreateTenantResponse>('createTenant', r),
    createKey: (r: authV1.CreateApiKeyRequest) =>
      call<authV1.CreateApiKeyRequest, authV1.CreateApiKeyResponse>('createApiKey', r),
    createUser: (r: authV1.CreateUserRequest) =>
      call<authV1.CreateUserRequest, authV1.CreateUserResponse>('createUser', r),
    rotate: (actor: Actor) =>
      call<authV1.RotateSigningKeyRequest, authV1.RotateSigningKeyResponse>('rotateSigningKey', {
        actor,
        context: ctx('op'),
      }),
    audit: (r: Partial<authV1.ListAuditEventsRequest> & { actor: Actor }) =>
      call<authV1.ListAuditEventsRequest, authV1.ListAuditEventsResponse>('listAuditEvents', {
        tenantId: '',
        actorId: '',
        action: '',
        since: '',
        until: '',
        limit: 0,
        cursor: '',
        ...r,
      }),
  };
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return status.OK;
    } catch (err) {
      return (err as { code: number }).code;
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('auth_mfa', infra.pgUrl);
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
    sql = host.nestApp.get(DataSource);
    client = createGrpcClient(authV1.AuthServiceClient, host.address.grpcAddress, { deadlineMs: 20_000 });
    const boot = await call<authV1.BootstrapRequest, authV1.BootstrapResponse>('bootstrap', {
      operatorEmail: '',
      ownerEmail: '',
      context: ctx('boot'),
    });
    const opLogin = await rpc.login({
      email: boot.operatorEmail,
      password: boot.operatorPassword,
      tenant: '',
    });
    operator = (await rpc.verify(opLogin.accessToken)).actor!;
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
      name: slug,
      ownerEmail: `owner@${slug}.test`,
      ownerPassword: password,
      context: ctx('op'),
    });
    const login = await rpc.login({ email: `owner@${slug}.test`, password, tenant: slug, context: ctx() });
    const owner = (await rpc.verify(login.accessToken)).actor!;
    return { tenant: created.tenant!, owner };
  }

  /** Waits until at least `needed` seconds are left in the current 30 s TOTP step. */
  async function freshStep(needed = 12): Promise<number> {
    const left = 30 - ((Date.now() / 1000) % 30);
    if (left < needed) await new Promise((r) => setTimeout(r, left * 1000 + 50));
    return totpStep(new Date());
  }

  const outboxTypes = async (tenantId: string): Promise<string[]> =>
    (
      await sql.query(
        `SELECT type FROM outbox_events WHERE tenant_id = $1 AND type LIKE 'auth.mfa.%' ORDER BY id`,
        [tenantId],
      )
    ).map((r: { type: string }) => r.type);

  it('MFA: enrol, confirm, login needs the code, verify once, a recovery code works once, disable', async () => {
    const { tenant, owner } = await newTenant('mfa');
    const enrolled = await rpc.enroll(owner);
    expect(enrolled.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolled.otpauthUri).toBe(
      `otpauth://totp/brainmesh:owner%40mfa.test?secret=${enrolled.secret}&issuer=brainmesh`,
    );
    const secret = base32Decode(enrolled.secret);
    const stored: { totp_secret: string }[] = await sql.query(
      `SELECT totp_secret FROM user_mfa WHERE user_id = $1`,
      [owner.subjectId],
    );
    expect(stored[0]!.totp_secret).toBe(enrolled.secret);

    // Pending enrolment: login still gives tokens; a wrong code does not activate it.
    expect((await rpc.login({ email: 'owner@mfa.test', password, tenant: 'mfa' })).mfaRequired).toBe(false);
    expect(await code(rpc.confirm(owner, '000000'))).toBe(status.UNAUTHENTICATED);

    const step = await freshStep();
    const { recoveryCodes } = await rpc.confirm(owner, hotp(secret, step - 1));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const hashes: { code_hash: string }[] = await sql.query(
      `SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1`,
      [owner.subjectId],
    );
    expect(hashes).toHaveLength(10);
    expect(JSON.stringify(hashes)).not.toContain(recoveryCodes[0]!.replace(/-/g, ''));
    expect(await code(rpc.enroll(owner))).toBe(status.FAILED_PRECONDITION);

    // Login now returns an mfa token instead of tokens.
    const first = await rpc.login({ email: 'owner@mfa.test', password, tenant: 'mfa', context: ctx(7) });
    expect(first).toMatchObject({ mfaRequired: true, accessToken: '', refreshToken: '' });
    expect(first.mfaToken.length).toBeGreaterThan(30);
    expect(await code(rpc.verifyMfa({ mfaToken: first.mfaToken, code: '000000' }))).toBe(
      status.UNAUTHENTICATED,
    );
    const pair = await rpc.verifyMfa({ mfaToken: first.mfaToken, code: hotp(secret, step), context: ctx(7) });
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect((await rpc.verify(pair.accessToken)).actor).toMatchObject({ subjectId: owner.subjectId });
    // Single use: the mfa token is spent.
    expect(await code(rpc.verifyMfa({ mfaToken: first.mfaToken, code: hotp(secret, step + 1) }))).toBe(
      status.UNAUTHENTICATED,
    );

    // A recovery code works once.
    const second = await rpc.login({ email: 'owner@mfa.test', password, tenant: 'mfa' });
    await expect(
      rpc.verifyMfa({ mfaToken: second.mfaToken, code: recoveryCodes[0]! }),
    ).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
    const third = await rpc.login({ email: 'owner@mfa.test', password, tenant: 'mfa' });
    expect(await code(rpc.verifyMfa({ mfaToken: third.mfaToken, code: recoveryCodes[0]! }))).toBe(
      status.UNAUTHENTICATED,
    );

    // Disable with a TOTP code (the next step: used steps cannot be replayed).
    expect(await code(rpc.disable(owner, hotp(secret, step)))).toBe(status.UNAUTHENTICATED);
    await rpc.disable(owner, hotp(secret, step + 1));
    const after = await rpc.login({ email: 'owner@mfa.test', password, tenant: 'mfa' });
    expect(after).toMatchObject({ mfaRequired: false, mfaToken: '', tokenType: 'Bearer' });
    expect(await code(rpc.disable(owner, hotp(secret, step + 1)))).toBe(status.FAILED_PRECONDITION);
    expect(await sql.query(`SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1`, [owner.subjectId])).toEqual(
      [],
    );

    expect(await outboxTypes(tenant.id)).toEqual([
      'auth.mfa.enabled',
      'auth.mfa.recovery_code_used',
      'auth.mfa.disabled',
    ]);
    const { events } = await rpc.audit({ actor: owner, limit: 200 });
    const trail = events
      .filter((e) => e.action.startsWith('mfa.') || e.action === 'session.mfa_verify')
      .map((e) => `${e.action}:${e.result}`)
      .reverse();
    expect(trail).toEqual([
      'mfa.enroll:success',
      'mfa.confirm:failure',
      'mfa.confirm:success',
      'mfa.enroll:failure', // already active
      'session.mfa_verify:failure',
      'session.mfa_verify:success',
      'session.mfa_verify:success',
      'session.mfa_verify:failure',
      'mfa.disable:failure',
      'mfa.disable:success',
      'mfa.disable:failure', // not active any more
    ]);
    const verified = events.find((e) => e.action === 'session.mfa_verify' && e.result === 'success' && e.ip)!;
    expect(verified).toMatchObject({ ip: '203.0.113.7', userAgent: 'medium-test/7', requestId: 'req-7' });
    expect(JSON.stringify(events)).not.toContain(recoveryCodes[0]);
    expect(JSON.stringify(events)).not.toContain(enrolled.secret);
  }, 90_000);

  it('wrong MFA codes count towards the login lockout', async () => {
    const { owner } = await newTenant('mfa-lock');
    const { secret } = await rpc.enroll(owner);
    const step = await freshStep();
    await rpc.confirm(owner, hotp(base32Decode(secret), step));
    const { mfaToken } = await rpc.login({ email: 'owner@mfa-lock.test', password, tenant: 'mfa-lock' });
    for (let i = 0; i < 5; i++) await code(rpc.verifyMfa({ mfaToken, code: '000000' }));
    const rows: { failed_logins: number; locked_until: Date | null }[] = await sql.query(
      `SELECT failed_logins, locked_until FROM users WHERE id = $1`,
      [owner.subjectId],
    );
    expect(rows[0]).toMatchObject({ failed_logins: 5, locked_until: expect.any(Date) });
    // Locked: even the right code is refused.
    expect(await code(rpc.verifyMfa({ mfaToken, code: hotp(base32Decode(secret), step + 1) }))).toBe(
      status.UNAUTHENTICATED,
    );
  }, 60_000);

  it('mutations write their audit row with ip and user agent in the same transaction; refusals are audited', async () => {
    const { tenant, owner } = await newTenant('audited');
    const created = await rpc.createKey({
      actor: owner,
      name: 'ci',
      scopes: ['chat'],
      expiresAt: '',
      context: ctx(42),
    });
    const { events } = await rpc.audit({ actor: owner, action: 'api_key.create' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenantId: tenant.id,
      actorType: 'user',
      actorId: owner.subjectId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: created.apiKey!.id,
      ip: '203.0.113.42',
      userAgent: 'medium-test/42',
      requestId: 'req-42',
      result: 'success',
    });
    expect(JSON.parse(events[0]!.detailJson)).toMatchObject({ name: 'ci', scopes: ['chat'] });
    expect(events[0]!.detailJson).not.toContain(created.key);
    expect(new Date(events[0]!.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // A refused mutation (permission denied) is recorded as a failure and changes nothing.
    const viewer = (
      await rpc.createUser({
        actor: owner,
        email: 'v@audited.test',
        password,
        role: 'viewer',
        context: ctx(),
      })
    ).user!;
    const viewerActor = { ...owner, subjectId: viewer.id, role: 'viewer' };
    expect(
      await code(
        rpc.createKey({ actor: viewerActor, name: 'x', scopes: ['chat'], expiresAt: '', context: ctx(9) }),
      ),
    ).toBe(status.PERMISSION_DENIED);
    const denied = (await rpc.audit({ actor: owner, actorId: viewer.id })).events;
    expect(denied).toEqual([
      expect.objectContaining({ action: 'api_key.create', result: 'failure', ip: '203.0.113.9' }),
    ]);
    expect(JSON.parse(denied[0]!.detailJson)).toMatchObject({ error: 'permission_denied' });
    // The viewer cannot read the log.
    expect(await code(rpc.audit({ actor: viewerActor }))).toBe(status.PERMISSION_DENIED);

    // Login failures are audited, with the attempted email but never the password.
    await code(
      rpc.login({
        email: 'owner@audited.test',
        password: 'wrong password!!',
        tenant: 'audited',
        context: ctx(5),
      }),
    );
    const failures = (await rpc.audit({ actor: owner, action: 'session.login' })).events.filter(
      (e) => e.result === 'failure',
    );
    expect(failures).toEqual([expect.objectContaining({ actorId: owner.subjectId, ip: '203.0.113.5' })]);
    expect(JSON.stringify(failures)).not.toContain('wrong password');
  });

  it('the log is append-only: UPDATE, DELETE and TRUNCATE are refused by the trigger', async () => {
    const [row]: { id: string }[] = await sql.query(`SELECT id FROM audit_events LIMIT 1`);
    expect(row).toBeDefined();
    await expect(sql.query(`UPDATE audit_events SET action = 'x' WHERE id = $1`, [row!.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(sql.query(`DELETE FROM audit_events WHERE id = $1`, [row!.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(sql.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect(await sql.query(`SELECT id FROM audit_events WHERE id = $1`, [row!.id])).toHaveLength(1);
  });

  it('paginates newest first over more than two pages with filters; bad cursor and limit are INVALID_ARGUMENT', async () => {
    const { owner } = await newTenant('paged');
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (
          await rpc.createKey({
            actor: owner,
            name: `k${i}`,
            scopes: ['chat'],
            expiresAt: '',
            context: ctx(i),
          })
        ).apiKey!.id,
      );
    }
    await rpc.createUser({ actor: owner, email: 'noise@paged.test', password, role: 'viewer' });
    const pages: authV1.AuditEvent[][] = [];
    let cursor = '';
    do {
      const page = await rpc.audit({ actor: owner, action: 'api_key.create', since, limit: 3, cursor });
      pages.push(page.events);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const all = pages.flat();
    expect(all.map((e) => e.targetId)).toEqual([...ids].reverse());
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort().reverse());

    // Filters: actor, time window.
    expect(
      (await rpc.audit({ actor: owner, actorId: owner.subjectId, since, limit: 200 })).events,
    ).toHaveLength(8);
    expect(
      (await rpc.audit({ actor: owner, actorId: '00000000-0000-4000-8000-000000000000' })).events,
    ).toEqual([]);
    expect((await rpc.audit({ actor: owner, until: since, action: 'api_key.create' })).events).toEqual([]);
    expect((await rpc.audit({ actor: owner, limit: 2 })).events).toHaveLength(2);

    expect(await code(rpc.audit({ actor: owner, cursor: 'garbage!' }))).toBe(status.INVALID_ARGUMENT);
    expect(await code(rpc.audit({ actor: owner, limit: 201 }))).toBe(status.INVALID_ARGUMENT);
    expect(await code(rpc.audit({ actor: owner, since: 'yesterday' }))).toBe(status.INVALID_ARGUMENT);
  });

  it("cross-tenant: tenant A cannot read B's audit events; operators read a tenant's log or the platform's", async () => {
    const a = await newTenant('audit-a');
    const b = await newTenant('audit-b');
    const bKey = (await rpc.createKey({ actor: b.owner, name: 'b', scopes: ['chat'], expiresAt: '' }))
      .apiKey!;
    expect(await code(rpc.audit({ actor: a.owner, tenantId: b.tenant.id }))).toBe(status.PERMISSION_DENIED);
    const aEvents = (await rpc.audit({ actor: a.owner, limit: 200 })).events;
    expect(aEvents.length).toBeGreaterThan(0);
    expect(aEvents.every((e) => e.tenantId === a.tenant.id)).toBe(true);
    expect(JSON.stringify(aEvents)).not.toContain(bKey.id);
    // An admin-scoped API key of A reads A's log only.
    const aAdmin = (await rpc.createKey({ actor: a.owner, name: 'adm', scopes: ['admin'], expiresAt: '' }))
      .apiKey!;
    const keyActor = {
      subjectType: 'api_key',
      subjectId: aAdmin.id,
      tenantId: a.tenant.id,
      role: '',
      scopes: ['admin'],
      plan: '',
    };
    expect((await rpc.audit({ actor: keyActor })).events.every((e) => e.tenantId === a.tenant.id)).toBe(true);
    expect(await code(rpc.audit({ actor: keyActor, tenantId: b.tenant.id }))).toBe(status.PERMISSION_DENIED);

    // Operators: a tenant's log by tenant_id (including who created it), platform events without.
    const bLog = (await rpc.audit({ actor: operator, tenantId: b.tenant.id, limit: 200 })).events;
    expect(bLog.map((e) => e.action)).toEqual(expect.arrayContaining(['tenant.create', 'api_key.create']));
    expect(bLog.find((e) => e.action === 'tenant.create')).toMatchObject({
      actorType: 'operator',
      actorId: operator.subjectId,
    });
    await rpc.rotate(operator);
    const platform = (await rpc.audit({ actor: operator, limit: 200 })).events;
    expect(platform.every((e) => e.tenantId === '')).toBe(true);
    expect(platform.map((e) => e.action)).toEqual(
      expect.arrayContaining(['signing_key.rotate', 'platform.bootstrap']),
    );
    expect(platform.find((e) => e.action === 'signing_key.rotate')).toMatchObject({ ip: '203.0.113.op' });
  });
});

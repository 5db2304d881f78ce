import { AuthError } from '../../domain/auth-error';
import type { TenantEntity } from '../../entities/tenant.entity';
import type { UserEntity } from '../../entities/user.entity';
import type { ClockRepository } from '../../repositories/clock.repository';
import type { CryptoRepository } from '../../repositories/crypto.repository';
import type { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import type { TenantRepository } from '../../repositories/tenant.repository';
import type { UserRepository } from '../../repositories/user.repository';
import type { AccessTokenIssuer } from '../../services/access-token-issuer';
import type { UserMfaEntity } from '../../entities/user-mfa.entity';
import type { MfaChallengeRepository } from '../../repositories/mfa-challenge.repository';
import type { MfaRepository } from '../../repositories/mfa.repository';
import { fakeUnitOfWork } from '../../../test/unit/fakes';
import { LoginUseCase } from './login.use-case';

const now = new Date('2026-03-01T12:00:00Z');
const tenant: TenantEntity = {
  id: 't1',
  slug: 'acme',
  name: 'Acme',
  status: 'active',
  plan: 'free',
  createdAt: now,
};

export function setup(
  user: Partial<UserEntity> | null,
  failuresAfter = 1,
  factor: Partial<UserMfaEntity> | null = null,
) {
  const { unitOfWork, trail, events, audit } = fakeUnitOfWork(now);
  const users = {
    findByEmail: jest.fn(async () =>
      user
        ? ({
            id: 'u1',
            tenantId: 't1',
            email: 'a@b.c',
            passwordHash: 'h',
            role: 'owner',
            failedLogins: 0,
            lockedUntil: null,
            createdAt: now,
            ...user,
          } as UserEntity)
        : null,
    ),
    addFailedLogin: jest.fn(async () => failuresAfter),
    setLockedUntil: jest.fn(),
    resetFailedLogins: jest.fn(),
  } as unknown as jest.Mocked<UserRepository>;
  const tenants = {
    findBySlug: jest.fn(async (slug: string) => (slug === 'acme' ? tenant : null)),
  } as unknown as TenantRepository;
  const hasher = {
    verify: jest.fn(async (_h: string, p: string) => p === 'right password'),
    verifyDummy: jest.fn(),
  } as unknown as jest.Mocked<PasswordHasherRepository>;
  const crypto = {
    uuid: () => 'fam-1',
    opaqueToken: () => 'mfa-token',
    sha256Hex: (s: string) => `hash(${s})`,
  } as unknown as CryptoRepository;
  const mfa = {
    find: jest.fn(async () =>
      factor ? ({ userId: 'u1', tenantId: 't1', ...factor } as UserMfaEntity) : null,
    ),
  } as unknown as MfaRepository;
  const challenges = { insert: jest.fn() } as unknown as jest.Mocked<MfaChallengeRepository>;
  const clock = { now: () => now } as ClockRepository;
  const tokens = {
    refreshToken: jest.fn(async () => 'refresh'),
    pair: jest.fn(async (_u, refreshToken: string) => ({
      accessToken: 'jwt',
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: 900,
    })),
  } as unknown as AccessTokenIssuer;
  const useCase = new LoginUseCase(
    unitOfWork,
    tenants,
    users,
    hasher,
    crypto,
    clock,
    tokens,
    trail,
    mfa,
    challenges,
  );
  return { useCase, users, hasher, events, audit, challenges };
}

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return { code: (err as AuthError).code, message: (err as AuthError).message };
};

describe('LoginUseCase', () => {
  it('answers unknown email, unknown tenant and wrong password identically, verifying a hash every time', async () => {
    const unknown = setup(null);
    const a = await failure(unknown.useCase.execute({ email: 'x@b.c', password: 'pw', tenant: 'acme' }));
    const b = await failure(unknown.useCase.execute({ email: 'x@b.c', password: 'pw', tenant: 'nope' }));
    expect(unknown.hasher.verifyDummy).toHaveBeenCalledTimes(2);
    const wrong = setup({});
    const c = await failure(wrong.useCase.execute({ email: 'A@B.C', password: 'pw', tenant: 'acme' }));
    expect(wrong.hasher.verify).toHaveBeenCalledTimes(1);
    expect(a).toEqual(b);
    expect(b).toEqual(c);
  });

  it('records failures and locks for 2^(n-5) s from the fifth on, emitting auth.login.failed', async () => {
    const fourth = setup({}, 4);
    await failure(fourth.useCase.execute({ email: 'a@b.c', password: 'pw', tenant: 'acme' }));
    expect(fourth.users.setLockedUntil).not.toHaveBeenCalled();
    const seventh = setup({}, 7);
    await failure(seventh.useCase.execute({ email: 'a@b.c', password: 'pw', tenant: 'acme' }));
    expect(seventh.users.setLockedUntil).toHaveBeenCalledWith(
      expect.anything(),
      't1',
      'u1',
      new Date(now.getTime() + 4000),
    );
    expect(seventh.events).toEqual([
      expect.objectContaining({
        type: 'auth.login.failed',
        data: {
          user_id: 'u1',
          failed_logins: 7,
          locked_until: '2026-03-01T12:00:04.000Z',
          reason: 'bad_password',
        },
      }),
    ]);
  });

  it('refuses even the right password while locked, without revealing it', async () => {
    const locked = setup({ failedLogins: 5, lockedUntil: new Date(now.getTime() + 1000) });
    expect(
      await failure(locked.useCase.execute({ email: 'a@b.c', password: 'right password', tenant: 'acme' })),
    ).toEqual(await failure(setup(null).useCase.execute({ email: 'a@b.c', password: 'x', tenant: 'acme' })));
    expect(locked.hasher.verify).not.toHaveBeenCalled();
    expect(locked.hasher.verifyDummy).toHaveBeenCalled();
  });

  it('returns tokens and resets the failure count on success', async () => {
    const ok = setup({ failedLogins: 3 });
    await expect(
      ok.useCase.execute({ email: 'a@b.c', password: 'right password', tenant: 'acme' }),
    ).resolves.toEqual({
      accessToken: 'jwt',
      refreshToken: 'refresh',
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(ok.users.resetFailedLogins).toHaveBeenCalled();
    expect(ok.events.map((e) => e.type)).toEqual(['auth.login.succeeded']);
    expect(ok.audit).toEqual([
      expect.objectContaining({ action: 'session.login', result: 'success', actorId: 'u1', tenantId: 't1' }),
    ]);
  });

  it('audits every failure, with the request context, and never the password', async () => {
    const wrong = setup({}, 2);
    await failure(
      wrong.useCase.execute({
        email: 'a@b.c',
        password: 'pw-secret',
        tenant: 'acme',
        context: { ip: '10.0.0.1', userAgent: 'ua', requestId: 'r1' },
      }),
    );
    expect(wrong.audit).toEqual([
      expect.objectContaining({
        action: 'session.login',
        result: 'failure',
        ip: '10.0.0.1',
        userAgent: 'ua',
        requestId: 'r1',
        detail: { error: 'bad_password', failed_logins: 2, locked_until: null },
      }),
    ]);
    const unknown = setup(null);
    await failure(unknown.useCase.execute({ email: 'x@b.c', password: 'pw-secret', tenant: 'acme' }));
    expect(unknown.audit).toEqual([
      expect.objectContaining({ actorType: 'anonymous', tenantId: 't1', result: 'failure' }),
    ]);
    expect(JSON.stringify([wrong.audit, unknown.audit])).not.toContain('pw-secret');
  });

  it('a user with active MFA gets mfa_required and a single-use mfa token (stored hashed), not tokens', async () => {
    const mfa = setup({ failedLogins: 2 }, 1, { enabledAt: now });
    await expect(
      mfa.useCase.execute({ email: 'a@b.c', password: 'right password', tenant: 'acme' }),
    ).resolves.toEqual({ mfaRequired: true, mfaToken: 'mfa-token' });
    expect(mfa.challenges.insert).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        tokenHash: 'hash(mfa-token)',
        userId: 'u1',
        usedAt: null,
        expiresAt: new Date(now.getTime() + 5 * 60 * 1000),
      }),
    );
    // No session yet, and the password alone does not reset the lockout counter.
    expect(mfa.events).toEqual([]);
    expect(mfa.users.resetFailedLogins).not.toHaveBeenCalled();
    // A pending (unconfirmed) enrolment does not require MFA.
    const pending = setup({}, 1, { enabledAt: null });
    await expect(
      pending.useCase.execute({ email: 'a@b.c', password: 'right password', tenant: 'acme' }),
    ).resolves.toMatchObject({ accessToken: 'jwt' });
  });
});

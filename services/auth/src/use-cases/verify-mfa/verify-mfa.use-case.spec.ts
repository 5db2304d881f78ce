import type { EntityManager } from 'typeorm';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { normalizeRecoveryCode } from '../../domain/recovery-codes';
import { base32Encode, totp } from '../../domain/totp';
import type { MfaChallengeEntity } from '../../entities/mfa-challenge.entity';
import type { MfaRecoveryCodeEntity } from '../../entities/mfa-recovery-code.entity';
import type { UserMfaEntity } from '../../entities/user-mfa.entity';
import type { UserEntity } from '../../entities/user.entity';
import type { ClockRepository } from '../../repositories/clock.repository';
import type { CryptoRepository } from '../../repositories/crypto.repository';
import type { MfaChallengeRepository } from '../../repositories/mfa-challenge.repository';
import type { MfaRepository } from '../../repositories/mfa.repository';
import type { TenantRepository } from '../../repositories/tenant.repository';
import type { UserRepository } from '../../repositories/user.repository';
import type { AccessTokenIssuer } from '../../services/access-token-issuer';
import { MfaCodes } from '../../services/mfa-codes';
import { fakeUnitOfWork } from '../../../test/unit/fakes';
import { VerifyMfaUseCase } from './verify-mfa.use-case';

const now = new Date('2026-03-01T12:00:00Z');
const SECRET = Buffer.from('12345678901234567890');
const RECOVERY = 'abcd-efgh-ijkl-mnop';

/** In-memory tables behind the repositories' interfaces; the real MfaCodes on top. */
function setup() {
  const { unitOfWork, trail, events, audit } = fakeUnitOfWork(now);
  const user: UserEntity = {
    id: 'u1',
    tenantId: 't1',
    email: 'a@b.c',
    passwordHash: 'h',
    role: 'owner',
    failedLogins: 0,
    lockedUntil: null,
    createdAt: now,
  };
  const factor: UserMfaEntity = {
    userId: 'u1',
    tenantId: 't1',
    totpSecret: base32Encode(SECRET),
    enabledAt: now,
    lastUsedStep: null,
    createdAt: now,
  };
  const hash = (s: string) => `hash(${s})`;
  const recovery: MfaRecoveryCodeEntity[] = [
    {
      id: 'r1',
      tenantId: 't1',
      userId: 'u1',
      codeHash: hash(normalizeRecoveryCode(RECOVERY)),
      usedAt: null,
      createdAt: now,
    },
  ];
  const challenges = new Map<string, MfaChallengeEntity>();
  const addChallenge = (token: string, patch: Partial<MfaChallengeEntity> = {}) =>
    challenges.set(hash(token), {
      id: `c-${token}`,
      tenantId: 't1',
      userId: 'u1',
      tokenHash: hash(token),
      expiresAt: new Date(now.getTime() + 60_000),
      usedAt: null,
      createdAt: now,
      ...patch,
    });
  const mfa = {
    findForUpdate: jest.fn(async () => factor),
    useStep: jest.fn(async (_m, _t, _u, step: number) => {
      if (factor.lastUsedStep !== null && Number(factor.lastUsedStep) >= step) return false;
      factor.lastUsedStep = String(step);
      return true;
    }),
    useRecoveryCode: jest.fn(async (_m, _t, _u, codeHash: string, at: Date) => {
      const row = recovery.find((r) => r.codeHash === codeHash && !r.usedAt);
      if (row) row.usedAt = at;
      return !!row;
    }),
    countUnusedRecoveryCodes: jest.fn(async () => recovery.filter((r) => !r.usedAt).length),
  } as unknown as MfaRepository;
  const challengeRepo = {
    findByHashForUpdate: jest.fn(async (_m: EntityManager, h: string) => challenges.get(h) ?? null),
    markUsed: jest.fn(async (_m, _t, id: string, at: Date) => {
      for (const c of challenges.values()) if (c.id === id) c.usedAt = at;
    }),
  } as unknown as MfaChallengeRepository;
  const users = {
    findById: jest.fn(async () => ({ ...user })),
    addFailedLogin: jest.fn(async () => ++user.failedLogins),
    setLockedUntil: jest.fn(async (_m, _t, _u, until: Date) => void (user.lockedUntil = until)),
    resetFailedLogins: jest.fn(async () => {
      user.failedLogins = 0;
      user.lockedUntil = null;
    }),
  } as unknown as jest.Mocked<UserRepository>;
  const tenants = {
    findById: jest.fn(async () => ({ id: 't1', status: 'active' })),
  } as unknown as TenantRepository;
  const crypto = { sha256Hex: hash, uuid: () => 'fam-1' } as unknown as CryptoRepository;
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
  const useCase = new VerifyMfaUseCase(
    unitOfWork,
    challengeRepo,
    mfa,
    new MfaCodes(mfa, crypto),
    users,
    tenants,
    crypto,
    clock,
    tokens,
    trail,
  );
  return { useCase, user, events, audit, addChallenge, users };
}

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AuthError ? e.code : String(e)),
  );

describe('VerifyMfaUseCase (login with MFA)', () => {
  it('exchanges the mfa token and a TOTP code for the token pair, once', async () => {
    const { useCase, addChallenge, events, audit, users } = setup();
    addChallenge('t-1');
    await expect(useCase.execute({ mfaToken: 't-1', code: totp(SECRET, now) })).resolves.toEqual({
      accessToken: 'jwt',
      refreshToken: 'refresh',
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(events.map((e) => e.type)).toEqual(['auth.login.succeeded']);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'session.mfa_verify',
        result: 'success',
        detail: { method: 'totp', family_id: 'fam-1' },
      }),
    ]);
    expect(users.resetFailedLogins).not.toHaveBeenCalled();
    // The mfa token is single use; the TOTP step cannot be replayed with a new token either.
    expect(await code(useCase.execute({ mfaToken: 't-1', code: totp(SECRET, now) }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
    addChallenge('t-2');
    expect(await code(useCase.execute({ mfaToken: 't-2', code: totp(SECRET, now) }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
  });

  it('a recovery code works exactly once (any case, with or without dashes) and emits recovery_code_used', async () => {
    const { useCase, addChallenge, events } = setup();
    addChallenge('t-1');
    addChallenge('t-2');
    await expect(
      useCase.execute({ mfaToken: 't-1', code: RECOVERY.toUpperCase().replace(/-/g, '') }),
    ).resolves.toMatchObject({
      accessToken: 'jwt',
    });
    expect(events.map((e) => [e.type, e.data])).toContainEqual([
      'auth.mfa.recovery_code_used',
      { user_id: 'u1', remaining: 0 },
    ]);
    expect(await code(useCase.execute({ mfaToken: 't-2', code: RECOVERY }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
  });

  it('wrong codes count towards the password lockout; a locked account is refused even with the right code', async () => {
    const { useCase, addChallenge, user, events, audit } = setup();
    addChallenge('t-1');
    for (let i = 0; i < 5; i++) {
      expect(await code(useCase.execute({ mfaToken: 't-1', code: '000000' }))).toBe(
        AuthErrorCode.InvalidMfaCode,
      );
    }
    expect(user.failedLogins).toBe(5);
    expect(user.lockedUntil).toEqual(new Date(now.getTime() + 1000));
    expect(events.at(-1)).toMatchObject({
      type: 'auth.login.failed',
      data: { reason: 'bad_mfa_code', failed_logins: 5 },
    });
    expect(await code(useCase.execute({ mfaToken: 't-1', code: totp(SECRET, now) }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
    expect(audit.map((a) => [a.result, a.detail.error])).toEqual([
      ...Array(5).fill(['failure', 'bad_mfa_code']),
      ['failure', 'locked'],
    ]);
  });

  it('refuses unknown and expired mfa tokens', async () => {
    const { useCase, addChallenge } = setup();
    addChallenge('old', { expiresAt: now });
    expect(await code(useCase.execute({ mfaToken: 'old', code: totp(SECRET, now) }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
    expect(await code(useCase.execute({ mfaToken: 'nope', code: totp(SECRET, now) }))).toBe(
      AuthErrorCode.InvalidMfaCode,
    );
  });
});

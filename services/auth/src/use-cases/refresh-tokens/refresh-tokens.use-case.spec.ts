import type { UnitOfWork } from '@brainmesh/runtime';
import type { EntityManager } from 'typeorm';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import type { RefreshTokenEntity } from '../../entities/refresh-token.entity';
import type { ClockRepository } from '../../repositories/clock.repository';
import type { CryptoRepository } from '../../repositories/crypto.repository';
import type { RefreshTokenRepository } from '../../repositories/refresh-token.repository';
import type { TenantRepository } from '../../repositories/tenant.repository';
import type { UserRepository } from '../../repositories/user.repository';
import type { AccessTokenIssuer } from '../../services/access-token-issuer';
import { fakeUnitOfWork } from '../../../test/unit/fakes';
import { RefreshTokensUseCase } from './refresh-tokens.use-case';

const now = new Date('2026-03-01T12:00:00Z');

/** An in-memory refresh token table behind the repository's interface. */
function setup() {
  const rows = new Map<string, RefreshTokenEntity>();
  const events: { type: string; data: unknown }[] = [];
  let n = 0;
  const repo = {
    findByHashForUpdate: jest.fn(
      async (_m: EntityManager, hash: string) => [...rows.values()].find((r) => r.tokenHash === hash) ?? null,
    ),
    markUsed: jest.fn(async (_m, _t, id: string, at: Date) => void (rows.get(id)!.usedAt = at)),
    revokeFamily: jest.fn(async (_m, _t, familyId: string, at: Date) => {
      const family = [...rows.values()].filter((r) => r.familyId === familyId && !r.revokedAt);
      family.forEach((r) => (r.revokedAt = at));
      return family.length;
    }),
  } as unknown as RefreshTokenRepository;
  const issue = (familyId: string, parentId: string | null) => {
    const token = `token-${++n}`;
    rows.set(`id-${n}`, {
      id: `id-${n}`,
      tenantId: 't1',
      userId: 'u1',
      tokenHash: `hash(${token})`,
      familyId,
      parentId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 1e9),
      usedAt: null,
      revokedAt: null,
    });
    return token;
  };
  const tokens = {
    refreshToken: jest.fn(async (_m, _u, familyId: string, parentId: string | null) =>
      issue(familyId, parentId),
    ),
    pair: jest.fn(async (_u, refreshToken: string) => ({
      accessToken: 'jwt',
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: 900,
    })),
  } as unknown as AccessTokenIssuer;
  const fake = fakeUnitOfWork(now);
  const unitOfWork = {
    run: jest.fn(async (work) =>
      work({} as EntityManager, (e: { type: string; data: unknown }) => events.push(e)),
    ),
  } as unknown as UnitOfWork;
  const users = {
    findById: jest.fn(async () => ({ id: 'u1', tenantId: 't1', role: 'owner' })),
  } as unknown as UserRepository;
  const tenants = {
    findById: jest.fn(async () => ({ id: 't1', status: 'active' })),
  } as unknown as TenantRepository;
  const crypto = { sha256Hex: (s: string) => `hash(${s})` } as CryptoRepository;
  const clock = { now: () => now } as ClockRepository;
  const useCase = new RefreshTokensUseCase(
    unitOfWork,
    repo,
    users,
    tenants,
    crypto,
    clock,
    tokens,
    fake.trail,
  );
  return { useCase, rows, events, first: issue('fam', null), tenants };
}

describe('RefreshTokensUseCase', () => {
  it('rotates on every use: the old token is marked used, a child of the same family is returned', async () => {
    const { useCase, rows, first } = setup();
    const next = await useCase.execute({ refreshToken: first });
    expect(next.refreshToken).toBe('token-2');
    expect(rows.get('id-1')!.usedAt).toEqual(now);
    expect(rows.get('id-2')).toMatchObject({ familyId: 'fam', parentId: 'id-1', usedAt: null });
  });

  it('reuse of a used token revokes the whole family and is UNAUTHENTICATED', async () => {
    const { useCase, rows, first, events } = setup();
    const second = await useCase.execute({ refreshToken: first });
    const err = await useCase.execute({ refreshToken: first }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe(AuthErrorCode.InvalidToken);
    expect([...rows.values()].every((r) => r.revokedAt !== null)).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'auth.refresh_token.reuse_detected',
        data: { user_id: 'u1', family_id: 'fam', revoked_tokens: 2 },
      }),
    ]);
    await expect(useCase.execute({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses unknown tokens and tokens of a suspended tenant', async () => {
    const { useCase, first, tenants } = setup();
    await expect(useCase.execute({ refreshToken: 'nope' })).rejects.toBeInstanceOf(AuthError);
    (tenants.findById as jest.Mock).mockResolvedValueOnce({ id: 't1', status: 'suspended' });
    await expect(useCase.execute({ refreshToken: first })).rejects.toBeInstanceOf(AuthError);
  });
});

import { fakeUnitOfWork } from '../../../test/unit/fakes';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import type { TenantRepository } from '../../repositories/tenant.repository';
import type { UserRepository } from '../../repositories/user.repository';
import { DeleteUserUseCase } from '../delete-user/delete-user.use-case';
import { UpdateUserUseCase } from './update-user.use-case';

const T = '11111111-1111-4111-8111-111111111111';
const OWNER = '22222222-2222-4222-8222-222222222222';
const actor = { subjectType: 'user', subjectId: OWNER, tenantId: T, role: 'owner', scopes: [] };

function setup(owners: number) {
  const { trail, audit } = fakeUnitOfWork(new Date('2026-03-01T12:00:00Z'));
  const tenants = { lock: jest.fn() } as unknown as TenantRepository;
  const users = {
    findById: jest.fn(async () => ({ id: OWNER, tenantId: T, role: 'owner' })),
    countOwners: jest.fn(async () => owners),
    updateRole: jest.fn(),
    delete: jest.fn(),
  } as unknown as jest.Mocked<UserRepository>;
  return {
    update: new UpdateUserUseCase(trail, tenants, users),
    remove: new DeleteUserUseCase(trail, tenants, users),
    users,
    audit,
  };
}

describe('last-owner rule', () => {
  it('the last owner can be neither demoted nor deleted (FAILED_PRECONDITION, clear message)', async () => {
    const { update, remove, users, audit } = setup(1);
    const demote = await update.execute({ actor, id: OWNER, role: 'admin' }).catch((e: AuthError) => e);
    expect(demote).toMatchObject({
      code: AuthErrorCode.LastOwner,
      message: expect.stringMatching(/last owner.*cannot be demoted/),
    });
    const del = await remove.execute({ actor, id: OWNER }).catch((e: AuthError) => e);
    expect(del).toMatchObject({
      code: AuthErrorCode.LastOwner,
      message: expect.stringMatching(/last owner.*cannot be deleted/),
    });
    expect(users.updateRole).not.toHaveBeenCalled();
    expect(users.delete).not.toHaveBeenCalled();
    // Both refusals are audited (in their own transactions, the changes rolled back).
    expect(audit.map((a) => [a.action, a.result, a.detail.error])).toEqual([
      ['user.update', 'failure', 'last_owner'],
      ['user.delete', 'failure', 'last_owner'],
    ]);
  });

  it('an owner with a co-owner can step down', async () => {
    const { update, users } = setup(2);
    await expect(update.execute({ actor, id: OWNER, role: 'viewer' })).resolves.toMatchObject({
      role: 'viewer',
    });
    expect(users.updateRole).toHaveBeenCalled();
  });

  it('an admin cannot touch an owner', async () => {
    const { update } = setup(2);
    await expect(
      update.execute({ actor: { ...actor, role: 'admin' }, id: OWNER, role: 'viewer' }),
    ).rejects.toMatchObject({ code: AuthErrorCode.PermissionDenied });
  });
});

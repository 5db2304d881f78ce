import type { UnitOfWork } from '@brainmesh/runtime';
import type { EntityManager } from 'typeorm';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import type { TenantRepository } from '../../repositories/tenant.repository';
import type { UserRepository } from '../../repositories/user.repository';
import { DeleteUserUseCase } from '../delete-user/delete-user.use-case';
import { UpdateUserUseCase } from './update-user.use-case';

const T = '11111111-1111-4111-8111-111111111111';
const OWNER = '22222222-2222-4222-8222-222222222222';
const actor = { subjectType: 'user', subjectId: OWNER, tenantId: T, role: 'owner', scopes: [] };

function setup(owners: number) {
  const unitOfWork = {
    run: jest.fn(async (work) => work({} as EntityManager, () => undefined)),
  } as unknown as UnitOfWork;
  const tenants = { lock: jest.fn() } as unknown as TenantRepository;
  const users = {
    findById: jest.fn(async () => ({ id: OWNER, tenantId: T, role: 'owner' })),
    countOwners: jest.fn(async () => owners),
    updateRole: jest.fn(),
    delete: jest.fn(),
  } as unknown as jest.Mocked<UserRepository>;
  return {
    update: new UpdateUserUseCase(unitOfWork, tenants, users),
    remove: new DeleteUserUseCase(unitOfWork, tenants, users),
    users,
  };
}

describe('last-owner rule', () => {
  it('the last owner can be neither demoted nor deleted (FAILED_PRECONDITION, clear message)', async () => {
    const { update, remove, users } = setup(1);
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

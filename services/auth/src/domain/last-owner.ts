import { AuthError, AuthErrorCode } from './auth-error';

/** The last owner of a tenant can be neither demoted nor deleted. */
export function assertNotLastOwner(currentRole: string, nextRole: string | null, ownerCount: number): void {
  if (currentRole === 'owner' && nextRole !== 'owner' && ownerCount <= 1) {
    throw new AuthError(
      AuthErrorCode.LastOwner,
      nextRole === null
        ? 'This user is the last owner of the tenant and cannot be deleted; make another user owner first.'
        : 'This user is the last owner of the tenant and cannot be demoted; make another user owner first.',
    );
  }
}

import { status } from '@grpc/grpc-js';
import { AuthError, AuthErrorCode, authErrorStatus, toAuthGrpcError } from './auth-error';

describe('AuthError -> gRPC', () => {
  it('maps every code', () => {
    for (const code of Object.values(AuthErrorCode)) expect(authErrorStatus(code).status).toBeGreaterThan(0);
    expect(authErrorStatus(AuthErrorCode.LastOwner).status).toBe(status.FAILED_PRECONDITION);
    expect(authErrorStatus(AuthErrorCode.InvalidCredentials).status).toBe(status.UNAUTHENTICATED);
  });

  it('attaches problem details', () => {
    const err = toAuthGrpcError(AuthError.notFound('user', 'x'));
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.problem).toMatchObject({
      type: 'https://docs.brainmesh.dev/problems/auth/not_found',
      detail: 'No user x.',
    });
  });
});

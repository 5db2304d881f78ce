import { status as Status } from '@grpc/grpc-js';
import { assertUnreachable, GrpcError } from '@brainmesh/grpc';

/** Every way an auth use case can refuse, independent of the transport. */
export enum AuthErrorCode {
  InvalidCredentials = 'invalid_credentials',
  InvalidToken = 'invalid_token',
  InvalidApiKey = 'invalid_api_key',
  TenantSuspended = 'tenant_suspended',
  PermissionDenied = 'permission_denied',
  NotFound = 'not_found',
  AlreadyExists = 'already_exists',
  LastOwner = 'last_owner',
  InvalidArgument = 'invalid_argument',
  InvalidMfaCode = 'invalid_mfa_code',
  MfaAlreadyEnabled = 'mfa_already_enabled',
  MfaNotEnrolled = 'mfa_not_enrolled',
  MfaNotEnabled = 'mfa_not_enabled',
}

export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The single answer for a wrong email, wrong password, unknown tenant or locked account. */
  static invalidCredentials(): AuthError {
    return new AuthError(AuthErrorCode.InvalidCredentials, 'The email, password or tenant is not correct.');
  }

  static invalidToken(detail = 'The token is invalid or expired.'): AuthError {
    return new AuthError(AuthErrorCode.InvalidToken, detail);
  }

  static invalidApiKey(): AuthError {
    return new AuthError(AuthErrorCode.InvalidApiKey, 'The API key is invalid, revoked or expired.');
  }

  /** A wrong, expired or replayed TOTP / recovery code, or an unknown or used mfa token. */
  static invalidMfaCode(): AuthError {
    return new AuthError(AuthErrorCode.InvalidMfaCode, 'The MFA code or MFA token is invalid or expired.');
  }

  static permissionDenied(reason: string): AuthError {
    return new AuthError(AuthErrorCode.PermissionDenied, `Not allowed: ${reason}.`);
  }

  static notFound(what: string, id: string): AuthError {
    return new AuthError(AuthErrorCode.NotFound, `No ${what} ${id}.`);
  }
}

const PROBLEM_BASE = 'https://docs.brainmesh.dev/problems/auth/';

/** Maps a domain error to its gRPC status, in ONE exhaustive place. */
export function authErrorStatus(code: AuthErrorCode): { status: Status; title: string } {
  switch (code) {
    case AuthErrorCode.InvalidCredentials:
    case AuthErrorCode.InvalidToken:
    case AuthErrorCode.InvalidApiKey:
    case AuthErrorCode.TenantSuspended:
    case AuthErrorCode.InvalidMfaCode:
      return { status: Status.UNAUTHENTICATED, title: 'Unauthorized' };
    case AuthErrorCode.PermissionDenied:
      return { status: Status.PERMISSION_DENIED, title: 'Forbidden' };
    case AuthErrorCode.NotFound:
      return { status: Status.NOT_FOUND, title: 'Not Found' };
    case AuthErrorCode.AlreadyExists:
      return { status: Status.ALREADY_EXISTS, title: 'Conflict' };
    case AuthErrorCode.LastOwner:
    case AuthErrorCode.MfaAlreadyEnabled:
    case AuthErrorCode.MfaNotEnrolled:
    case AuthErrorCode.MfaNotEnabled:
      return { status: Status.FAILED_PRECONDITION, title: 'Precondition Failed' };
    case AuthErrorCode.InvalidArgument:
      return { status: Status.INVALID_ARGUMENT, title: 'Bad Request' };
    default:
      return assertUnreachable(code);
  }
}

export function toAuthGrpcError(err: AuthError): GrpcError {
  const { status, title } = authErrorStatus(err.code);
  return new GrpcError(status, err.message, {
    type: `${PROBLEM_BASE}${err.code}`,
    title,
    detail: err.message,
  });
}

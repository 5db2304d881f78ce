import { status as Status } from '@grpc/grpc-js';
import { assertUnreachable, GrpcError, type FieldError } from '@brainmesh/grpc';

/** Every way an ai-routing use case can refuse or fail, independent of the transport. */
export enum AiErrorCode {
  InvalidArgument = 'invalid_argument',
  PermissionDenied = 'permission_denied',
  NotFound = 'not_found',
  ModelNotFound = 'model_not_found',
  AlreadyExists = 'already_exists',
  InUse = 'in_use',
  BudgetExceeded = 'budget_exceeded',
  RateLimited = 'rate_limited',
  /** The provider refused the request itself (its 400): the client's request is wrong for it. */
  UpstreamRejected = 'upstream_rejected',
  /** Every deployment failed (after retries and fallbacks). */
  UpstreamFailed = 'upstream_failed',
  UpstreamTimeout = 'upstream_timeout',
  /** Every deployment's circuit breaker is open. */
  NoHealthyDeployment = 'no_healthy_deployment',
  Cancelled = 'cancelled',
}

export class AiError extends Error {
  override readonly name = 'AiError';

  constructor(
    readonly code: AiErrorCode,
    message: string,
    readonly extras: {
      errors?: FieldError[];
      extensions?: Record<string, string | number | boolean>;
    } = {},
  ) {
    super(message);
  }

  static invalid(field: string, message: string): AiError {
    return new AiError(AiErrorCode.InvalidArgument, `${field}: ${message}`, {
      errors: [{ field, message }],
    });
  }

  static permissionDenied(reason: string): AiError {
    return new AiError(AiErrorCode.PermissionDenied, `Not allowed: ${reason}.`);
  }

  static notFound(what: string, id: string): AiError {
    return new AiError(AiErrorCode.NotFound, `No ${what} ${id}.`);
  }

  static modelNotFound(model: string, kind: string): AiError {
    return new AiError(
      AiErrorCode.ModelNotFound,
      `The model '${model}' does not exist or you do not have access to it (no ${kind} route with that name; GET /v1/models lists yours).`,
      { errors: [{ field: 'model', message: 'unknown model' }], extensions: { code: 'model_not_found' } },
    );
  }
}

const PROBLEM_BASE = 'https://docs.brainmesh.dev/problems/ai/';

/** Maps a domain error to its HTTP and gRPC status, in ONE exhaustive place. */
export function aiErrorStatus(code: AiErrorCode): { http: number; grpc: Status } {
  switch (code) {
    case AiErrorCode.InvalidArgument:
    case AiErrorCode.UpstreamRejected:
      return { http: 400, grpc: Status.INVALID_ARGUMENT };
    case AiErrorCode.PermissionDenied:
      return { http: 403, grpc: Status.PERMISSION_DENIED };
    case AiErrorCode.NotFound:
    case AiErrorCode.ModelNotFound:
      return { http: 404, grpc: Status.NOT_FOUND };
    case AiErrorCode.AlreadyExists:
      return { http: 409, grpc: Status.ALREADY_EXISTS };
    case AiErrorCode.InUse:
      return { http: 409, grpc: Status.FAILED_PRECONDITION };
    case AiErrorCode.BudgetExceeded:
      return { http: 402, grpc: Status.FAILED_PRECONDITION };
    case AiErrorCode.RateLimited:
      return { http: 429, grpc: Status.RESOURCE_EXHAUSTED };
    case AiErrorCode.Cancelled:
      return { http: 499, grpc: Status.CANCELLED };
    case AiErrorCode.UpstreamFailed:
      return { http: 502, grpc: Status.UNAVAILABLE };
    case AiErrorCode.NoHealthyDeployment:
      return { http: 503, grpc: Status.UNAVAILABLE };
    case AiErrorCode.UpstreamTimeout:
      return { http: 504, grpc: Status.DEADLINE_EXCEEDED };
    default:
      return assertUnreachable(code);
  }
}

export function toAiGrpcError(err: AiError): GrpcError {
  const { http, grpc } = aiErrorStatus(err.code);
  return new GrpcError(grpc, err.message, {
    status: http,
    type: `${PROBLEM_BASE}${err.code}`,
    detail: err.message,
    ...(err.extras.errors ? { errors: err.extras.errors } : {}),
    ...(err.extras.extensions ? { extensions: err.extras.extensions } : {}),
  });
}

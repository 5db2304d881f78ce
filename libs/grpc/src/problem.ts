import { status as Status } from '@grpc/grpc-js';

import { problem as makeProblem, statusTitle, type Problem } from '@brainmesh/problem-details';
import { isGrpcStatusLike, readProblem } from './errors';

export type { Problem } from '@brainmesh/problem-details';

/** Compile-time exhaustiveness guard for `switch` statements. */
export function assertUnreachable(value: never): never {
  throw new Error(`unreachable: unexpected value ${String(value)}`);
}

const GENERIC_DETAIL = {
  internal: 'An internal error occurred.',
  cancelled: 'The request was cancelled.',
  unimplemented: 'This operation is not implemented.',
  unavailable: 'The service is temporarily unavailable. Retry later.',
  timeout: 'The service did not respond in time.',
} as const;

interface Mapping {
  status: number;
  /** Detail used when the server did not send problem details. */
  fallbackDetail: string;
  /**
   * Whether problem details from the server may override the generic detail. False for 5xx
   * INTERNAL-class codes: their text never leaves the gateway.
   */
  trustServerDetail: boolean;
}

function mapCode(code: Status, details: string, hasFieldErrors: boolean): Mapping {
  // Application codes carry handler-authored messages (GrpcError); transport/internal codes carry
  // text produced by grpc-js or a crashed handler (addresses, stack fragments) and are replaced.
  switch (code) {
    case Status.INVALID_ARGUMENT:
    case Status.OUT_OF_RANGE:
      return { status: 400, fallbackDetail: details, trustServerDetail: true };
    case Status.FAILED_PRECONDITION:
      return { status: hasFieldErrors ? 400 : 409, fallbackDetail: details, trustServerDetail: true };
    case Status.UNAUTHENTICATED:
      return { status: 401, fallbackDetail: details, trustServerDetail: true };
    case Status.PERMISSION_DENIED:
      return { status: 403, fallbackDetail: details, trustServerDetail: true };
    case Status.NOT_FOUND:
      return { status: 404, fallbackDetail: details, trustServerDetail: true };
    case Status.ALREADY_EXISTS:
    case Status.ABORTED:
      return { status: 409, fallbackDetail: details, trustServerDetail: true };
    case Status.RESOURCE_EXHAUSTED:
      return { status: 429, fallbackDetail: details, trustServerDetail: true };
    case Status.CANCELLED:
      return { status: 499, fallbackDetail: GENERIC_DETAIL.cancelled, trustServerDetail: true };
    case Status.UNIMPLEMENTED:
      return { status: 501, fallbackDetail: GENERIC_DETAIL.unimplemented, trustServerDetail: true };
    case Status.UNAVAILABLE:
      return { status: 503, fallbackDetail: GENERIC_DETAIL.unavailable, trustServerDetail: true };
    case Status.DEADLINE_EXCEEDED:
      return { status: 504, fallbackDetail: GENERIC_DETAIL.timeout, trustServerDetail: true };
    case Status.OK: // an "error" with status OK is a bug somewhere: treat as internal
    case Status.INTERNAL:
    case Status.UNKNOWN:
    case Status.DATA_LOSS:
      return { status: 500, fallbackDetail: GENERIC_DETAIL.internal, trustServerDetail: false };
    default:
      return assertUnreachable(code);
  }
}

/**
 * Maps a failed gRPC call (a grpc-js `ServiceError`, or anything thrown) to an RFC 9457 problem.
 * Problem details sent by the server in `brainmesh-problem-bin` take precedence over the status
 * message; errors that are not gRPC errors at all map to 500 with a generic detail.
 */
export function grpcErrorToProblem(err: unknown): Problem {
  const code = isGrpcStatusLike(err) ? err.code : Status.UNKNOWN;
  const details = (isGrpcStatusLike(err) && err.details) || '';
  const server = isGrpcStatusLike(err) ? readProblem(err.metadata) : undefined;
  const errors = server?.errors?.length ? server.errors : undefined;

  const mapping = mapCode(code, details, errors !== undefined);
  if (!mapping.trustServerDetail) return makeProblem(mapping.status, mapping.fallbackDetail);
  const status = server?.status ?? mapping.status;
  const problem: Problem = makeProblem(
    status,
    server?.detail || mapping.fallbackDetail || statusTitle(status),
  );
  if (server?.type) problem.type = server.type;
  if (server?.title) problem.title = server.title;
  if (errors) problem.errors = errors;
  for (const [key, value] of Object.entries(server?.extensions ?? {})) {
    if (!(key in problem)) problem[key] = value;
  }
  return problem;
}

/** The gRPC status a handler sends for an HTTP-class problem (the inverse of `grpcErrorToProblem`). */
export function grpcStatusForHttp(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INVALID_ARGUMENT;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.NOT_FOUND;
    case 402:
    case 412:
      return Status.FAILED_PRECONDITION;
    case 409:
      return Status.ALREADY_EXISTS;
    case 429:
      return Status.RESOURCE_EXHAUSTED;
    case 499:
      return Status.CANCELLED;
    case 501:
      return Status.UNIMPLEMENTED;
    case 503:
      return Status.UNAVAILABLE;
    case 504:
      return Status.DEADLINE_EXCEEDED;
    default:
      return httpStatus >= 400 && httpStatus < 500 ? Status.FAILED_PRECONDITION : Status.INTERNAL;
  }
}

import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import type { FieldError } from '@brainmesh/problem-details';

export type { FieldError } from '@brainmesh/problem-details';

/** Trailing-metadata key carrying {@link ProblemDetails} as UTF-8 JSON (binary `-bin` key). */
export const PROBLEM_METADATA_KEY = 'brainmesh-problem-bin';

/** RFC 9457-shaped details a handler may attach to a {@link GrpcError}. */
export interface ProblemDetails {
  /**
   * HTTP status the caller should answer with when the gRPC code alone cannot say it (4xx/5xx,
   * e.g. 402 for an exhausted budget sent as FAILED_PRECONDITION, 502 for a failed upstream).
   */
  status?: number;
  /** RFC 9457 extension members copied into the HTTP problem (e.g. `budget_id`, `retry_after_s`). */
  extensions?: Record<string, string | number | boolean>;
  type?: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

/**
 * The only error type whose status reaches the caller. Throw it (or pass it to the callback) from a
 * handler registered on a GrpcServer; any other error becomes INTERNAL with a generic message.
 */
export class GrpcError extends Error {
  override readonly name = 'GrpcError';

  constructor(
    readonly code: Status,
    message: string,
    readonly problem?: ProblemDetails,
  ) {
    super(message);
  }

  /** Shorthand for INVALID_ARGUMENT with per-field errors. */
  static invalidArgument(message: string, errors?: FieldError[]): GrpcError {
    return new GrpcError(Status.INVALID_ARGUMENT, message, errors ? { detail: message, errors } : undefined);
  }

  /** Trailing metadata for this error (problem details, when present). */
  toMetadata(): Metadata {
    const metadata = new Metadata();
    if (this.problem) metadata.set(PROBLEM_METADATA_KEY, encodeProblem(this.problem));
    return metadata;
  }

  /** The status grpc-js sends for this error. */
  toStatus(): StatusObject {
    return { code: this.code, details: this.message, metadata: this.toMetadata() };
  }
}

export function encodeProblem(problem: ProblemDetails): Buffer {
  return Buffer.from(JSON.stringify(problem), 'utf8');
}

/** Reads {@link ProblemDetails} from trailing metadata; malformed payloads are ignored. */
export function readProblem(metadata: Metadata | undefined): ProblemDetails | undefined {
  const raw = metadata?.get(PROBLEM_METADATA_KEY)[0];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;

  const problem: ProblemDetails = {};
  if (typeof parsed.status === 'number' && parsed.status >= 400 && parsed.status < 600)
    problem.status = parsed.status;
  if (isRecord(parsed.extensions)) {
    const extensions: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(parsed.extensions)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        extensions[key] = value;
    }
    problem.extensions = extensions;
  }
  if (typeof parsed.type === 'string') problem.type = parsed.type;
  if (typeof parsed.title === 'string') problem.title = parsed.title;
  if (typeof parsed.detail === 'string') problem.detail = parsed.detail;
  if (Array.isArray(parsed.errors)) {
    problem.errors = parsed.errors.flatMap((e: unknown) =>
      isRecord(e) && typeof e.field === 'string' && typeof e.message === 'string'
        ? [{ field: e.field, message: e.message }]
        : [],
    );
  }
  return problem;
}

/** A status-carrying error as produced by grpc-js clients (`ServiceError`) or equivalent objects. */
export interface GrpcStatusLike {
  code: Status;
  details?: string;
  metadata?: Metadata;
}

/** True for errors that carry a valid numeric gRPC status code. */
export function isGrpcStatusLike(err: unknown): err is GrpcStatusLike {
  return isRecord(err) && typeof err.code === 'number' && Number.isInteger(err.code) && err.code in Status;
}

/** `NOT_FOUND` for 5, `CODE_42` for unknown numbers: used for metric labels and logs. */
export function statusName(code: number): string {
  return Status[code] ?? `CODE_${code}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

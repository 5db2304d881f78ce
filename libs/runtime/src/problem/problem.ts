import { HttpException, HttpStatus } from '@nestjs/common';
import { PROBLEM_TYPES, problem, type FieldError, type Problem } from '@brainmesh/problem-details';
import { grpcErrorToProblem, isGrpcStatusLike } from '@brainmesh/grpc';
import { ZodError } from 'zod';

export { PROBLEM_CONTENT_TYPE, problem, type FieldError, type Problem } from '@brainmesh/problem-details';

/** An error that already knows its problem details (thrown by controllers, guards and pipes). */
export class ProblemException extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemException';
  }
}

export function validationProblem(errors: FieldError[], detail?: string): ProblemException {
  const fields = errors.map((e) => e.field).join(', ');
  return new ProblemException(
    problem(400, detail ?? `The request is invalid: ${fields}.`, { type: PROBLEM_TYPES.validation, errors }),
  );
}

export function zodIssuesToFieldErrors(error: ZodError, root?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [root, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

function isFastifyError(err: unknown): err is FastifyLikeError {
  return (
    err instanceof Error &&
    typeof (err as FastifyLikeError).code === 'string' &&
    String((err as FastifyLikeError).code).startsWith('FST_')
  );
}

/**
 * Turns anything thrown while serving a request into problem details. Client errors keep their
 * status and message; everything unexpected becomes a generic 500 (the caller logs the cause).
 */
export function toProblem(err: unknown): { problem: Problem; unexpected: boolean } {
  if (err instanceof ProblemException) return { problem: err.problem, unexpected: false };
  if (isGrpcStatusLike(err) && err.metadata !== undefined) {
    // A downstream service's answer: its status and problem details, never its internals.
    const mapped = grpcErrorToProblem(err);
    return {
      problem: mapped,
      unexpected: mapped.status >= 500 && mapped.status !== 503 && mapped.status !== 504,
    };
  }
  if (err instanceof ZodError) {
    return { problem: validationProblem(zodIssuesToFieldErrors(err)).problem, unexpected: false };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; ') ?? err.message)
          : String((response as { message?: unknown }).message ?? err.message);
    if (status === HttpStatus.NOT_FOUND && /^Cannot (\w+) (.*)$/.test(message)) {
      const [, method, path] = /^Cannot (\w+) (.*)$/.exec(message)!;
      return { problem: problem(404, `No route ${method} ${path}.`), unexpected: false };
    }
    return { problem: problem(status, message), unexpected: status >= 500 };
  }
  if (isFastifyError(err)) {
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const detail =
        err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'The request body is larger than the limit.'
          : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'The request content type is not supported; send application/json.'
            : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'The request body is empty; send a JSON object.'
              : err.message;
      return { problem: problem(status, detail), unexpected: false };
    }
  }
  if (err instanceof SyntaxError && /JSON/i.test(err.message)) {
    return { problem: problem(400, `The request body is not valid JSON: ${err.message}`), unexpected: false };
  }
  const statusCode = (err as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { problem: problem(statusCode, (err as Error).message), unexpected: false };
  }
  return {
    problem: problem(500, 'An unexpected error occurred. Quote the request id when reporting it.'),
    unexpected: true,
  };
}

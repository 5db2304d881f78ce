import { status, type handleUnaryCall, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { GrpcError, grpcStatusForHttp } from '@brainmesh/grpc';
import { ZodError } from 'zod';
import { ProblemException, zodIssuesToFieldErrors } from './problem/problem';

/**
 * Adapts a promise-returning handler to grpc-js's callback style and translates errors raised by
 * use cases (validation, problem details) to gRPC status with problem details attached.
 */
export function unary<Req, Res>(
  fn: (request: Req, metadata: Metadata) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call.metadata).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcError(err) as ServiceError),
    );
  };
}

export function toGrpcError(err: unknown): Error {
  if (err instanceof GrpcError) return err;
  if (err instanceof ZodError) {
    const errors = zodIssuesToFieldErrors(err);
    return new GrpcError(
      status.INVALID_ARGUMENT,
      `invalid request: ${errors.map((e) => e.field).join(', ')}`,
      {
        title: 'Bad Request',
        errors,
      },
    );
  }
  if (err instanceof ProblemException) {
    const p = err.problem;
    const { type, title, status: httpStatus, detail, errors, instance: _i, request_id: _r, ...rest } = p;
    const extensions: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        extensions[key] = value;
    }
    return new GrpcError(grpcStatusForHttp(httpStatus), detail, {
      status: httpStatus,
      type,
      title,
      detail,
      errors,
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

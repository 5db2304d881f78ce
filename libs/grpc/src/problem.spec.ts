import { Metadata, status as Status } from '@grpc/grpc-js';

import { encodeProblem, GrpcError, PROBLEM_METADATA_KEY, readProblem, type ProblemDetails } from './errors';
import { assertUnreachable, grpcErrorToProblem } from './problem';

function serviceError(code: Status, details: string, problem?: ProblemDetails) {
  const metadata = new Metadata();
  if (problem) metadata.set(PROBLEM_METADATA_KEY, encodeProblem(problem));
  return Object.assign(new Error(`${code} ${Status[code]}: ${details}`), { code, details, metadata });
}

describe('grpcErrorToProblem', () => {
  it.each([
    ['INVALID_ARGUMENT', 400, 'bad input'],
    ['OUT_OF_RANGE', 400, 'bad input'],
    ['FAILED_PRECONDITION', 409, 'bad input'],
    ['UNAUTHENTICATED', 401, 'bad input'],
    ['PERMISSION_DENIED', 403, 'bad input'],
    ['NOT_FOUND', 404, 'bad input'],
    ['ALREADY_EXISTS', 409, 'bad input'],
    ['ABORTED', 409, 'bad input'],
    ['RESOURCE_EXHAUSTED', 429, 'bad input'],
    ['CANCELLED', 499, 'The request was cancelled.'],
    ['UNIMPLEMENTED', 501, 'This operation is not implemented.'],
    ['UNAVAILABLE', 503, 'The service is temporarily unavailable. Retry later.'],
    ['DEADLINE_EXCEEDED', 504, 'The service did not respond in time.'],
    ['INTERNAL', 500, 'An internal error occurred.'],
    ['UNKNOWN', 500, 'An internal error occurred.'],
    ['DATA_LOSS', 500, 'An internal error occurred.'],
    ['OK', 500, 'An internal error occurred.'],
  ] as Array<[keyof typeof Status, number, string]>)('maps %s to HTTP %s', (name, httpStatus, detail) => {
    const problem = grpcErrorToProblem(serviceError(Status[name], 'bad input'));
    expect(problem).toEqual({ status: httpStatus, type: 'about:blank', title: expect.any(String), detail });
    expect(problem.title).not.toBe('Error');
  });

  it('never exposes transport or internal messages', () => {
    const unavailable = serviceError(
      Status.UNAVAILABLE,
      'No connection established. Last error: connect ECONNREFUSED 10.0.0.7:50051',
    );
    expect(JSON.stringify(grpcErrorToProblem(unavailable))).not.toContain('10.0.0.7');
    const internal = serviceError(Status.INTERNAL, 'relation "users" does not exist', {
      detail: 'leaky detail',
    });
    expect(grpcErrorToProblem(internal).detail).toBe('An internal error occurred.');
  });

  it('uses brainmesh-problem-bin details when present', () => {
    const problem = grpcErrorToProblem(
      serviceError(Status.NOT_FOUND, 'tenant t-1 not found', {
        type: 'https://docs.brainmesh.dev/problems/tenant-not-found',
        title: 'Tenant not found',
        detail: 'No tenant with id t-1.',
      }),
    );
    expect(problem).toEqual({
      status: 404,
      type: 'https://docs.brainmesh.dev/problems/tenant-not-found',
      title: 'Tenant not found',
      detail: 'No tenant with id t-1.',
    });
  });

  it('maps FAILED_PRECONDITION with field errors to 400 and keeps the errors', () => {
    const errors = [{ field: 'model', message: 'is disabled for this tenant' }];
    expect(grpcErrorToProblem(serviceError(Status.FAILED_PRECONDITION, 'cannot route', { errors }))).toEqual({
      status: 400,
      type: 'about:blank',
      title: 'Bad Request',
      detail: 'cannot route',
      errors,
    });
  });

  it('accepts a GrpcError directly (e.g. raised in the gateway itself)', () => {
    const err = GrpcError.invalidArgument('invalid body', [{ field: 'name', message: 'required' }]);
    expect(grpcErrorToProblem({ code: err.code, details: err.message, metadata: err.toMetadata() })).toEqual({
      status: 400,
      type: 'about:blank',
      title: 'Bad Request',
      detail: 'invalid body',
      errors: [{ field: 'name', message: 'required' }],
    });
  });

  it('treats anything that is not a gRPC error as a generic 500', () => {
    for (const err of [
      new Error('db password wrong'),
      'boom',
      undefined,
      { code: 'ECONNRESET' },
      { code: 99 },
    ]) {
      expect(grpcErrorToProblem(err)).toEqual({
        status: 500,
        type: 'about:blank',
        title: 'Internal Server Error',
        detail: 'An internal error occurred.',
      });
    }
  });

  it('ignores malformed problem metadata', () => {
    const metadata = new Metadata();
    metadata.set(PROBLEM_METADATA_KEY, Buffer.from('{not json'));
    expect(readProblem(metadata)).toBeUndefined();
    metadata.set(
      PROBLEM_METADATA_KEY,
      Buffer.from(JSON.stringify({ detail: 7, errors: [{ field: 'a' }, { field: 'b', message: 'ok' }] })),
    );
    expect(readProblem(metadata)).toEqual({ errors: [{ field: 'b', message: 'ok' }] });
  });

  it('assertUnreachable throws at runtime', () => {
    expect(() => assertUnreachable('x' as never)).toThrow(/unreachable/);
  });
});

import type { handleUnaryCall, Metadata } from '@grpc/grpc-js';
import { unary } from '@brainmesh/runtime';
import { AuthError, toAuthGrpcError } from '../domain/auth-error';

/** `unary()` plus the translation of domain errors (AuthError) to gRPC status with problem details. */
export function rpc<Req, Res>(
  fn: (request: Req, metadata: Metadata) => Promise<Res> | Res,
): handleUnaryCall<Req, Res> {
  return unary(async (request: Req, metadata: Metadata) => {
    try {
      return await fn(request, metadata);
    } catch (err) {
      throw err instanceof AuthError ? toAuthGrpcError(err) : err;
    }
  });
}

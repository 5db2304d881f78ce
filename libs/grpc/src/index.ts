// @brainmesh/grpc: framework-agnostic gRPC server and client helpers on @grpc/grpc-js.
export {
  GrpcServer,
  INTERNAL_ERROR_MESSAGE,
  type GrpcServerOptions,
  type HandlerOf,
  type ImplementationOf,
} from './server';
export {
  createGrpcClient,
  DEFAULT_DEADLINE_MS,
  RETRYABLE_STATUS_CODES,
  retryServiceConfig,
  unaryCall,
  type GrpcClientConstructor,
  type GrpcClientOptions,
  type UnaryCallOptions,
  type UnaryMethodName,
  type UnaryRequest,
  type UnaryResponse,
} from './client';
export {
  checkHealth,
  HEALTH_SERVICE_NAME,
  HealthService,
  type HealthCheckResult,
  type ServingStatus,
} from './health';
export {
  encodeProblem,
  GrpcError,
  isGrpcStatusLike,
  PROBLEM_METADATA_KEY,
  readProblem,
  statusName,
  type FieldError,
  type GrpcStatusLike,
  type ProblemDetails,
} from './errors';
export { assertUnreachable, grpcErrorToProblem, grpcStatusForHttp, type Problem } from './problem';
export {
  clientMetrics,
  GRPC_LATENCY_BUCKETS,
  serverMetrics,
  type ClientMetrics,
  type ServerMetrics,
} from './metrics';
export { parseMethodPath, TRACER_NAME, type MethodName } from './tracing';

export { DiagnosticsGrpcHandler } from './diagnostics/diagnostics.grpc-handler';
export { EmitPipelineProbeUseCase } from './diagnostics/emit-pipeline-probe.use-case';
export { UnitOfWork } from './events/unit-of-work.repository';
export { unary, toGrpcError } from './grpc-unary';
export { ProblemDetailsFilter } from './http/problem-details.filter';
export { zodPipe } from './http/zod.pipe';
export { installRouteTable } from './http/route-table';
export {
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  problem,
  toProblem,
  validationProblem,
  zodIssuesToFieldErrors,
  type FieldError,
  type Problem,
} from './problem/problem';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness';
export { onShutdownSignal, runService } from './run-service';
export { baseServiceConfig, type BaseServiceConfig } from './service-config';
export {
  defineService,
  type EventSubscriber,
  type GrpcBinding,
  type GrpcHandler,
  type ServiceDefinition,
} from './service-definition';
export { ServiceHost, type HostOptions, type StartedService } from './service-host';
export { ServiceInfo } from './service-info';
export { EVENT_BUS, LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from './tokens';
export { ApiOperation, type ApiOperationSpec, type ApiResponseSpec } from './openapi/api-operation.decorator';
export { buildOpenApiDocument, toOpenApiPath, type OpenApiInfo } from './openapi/openapi-document';
export { HealthController } from './http/health.controller';

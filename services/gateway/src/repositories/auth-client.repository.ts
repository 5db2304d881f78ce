import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { authV1 } from '@brainmesh/contracts';
import {
  createGrpcClient,
  unaryCall,
  type UnaryMethodName,
  type UnaryRequest,
  type UnaryResponse,
} from '@brainmesh/grpc';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import type { Registry } from '@brainmesh/telemetry';
import type { GatewayConfig } from '../config';

type AuthClient = authV1.AuthServiceClient;

/** Reads that are safe to retry when the auth service is briefly unavailable. */
const IDEMPOTENT = [
  'getServiceInfo',
  'verifyAccessToken',
  'authenticateApiKey',
  'getJwks',
  'authorize',
  'listApiKeys',
  'listUsers',
  'listTenants',
] as const;

/** The gateway's gRPC connection to the auth service (outbound I/O lives here). */
@Injectable()
export class AuthClientRepository implements OnModuleDestroy {
  private readonly client: AuthClient;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.client = createGrpcClient(authV1.AuthServiceClient, config.AUTH_GRPC_URL, {
      deadlineMs: config.GRPC_DEADLINE_MS,
      idempotentMethods: IDEMPOTENT,
      registry,
      logger,
    });
  }

  /** One typed unary call to AuthService (errors are gRPC errors; the problem filter maps them). */
  call<K extends UnaryMethodName<AuthClient>>(
    method: K,
    request: UnaryRequest<AuthClient, K>,
  ): Promise<UnaryResponse<AuthClient, K>> {
    return unaryCall(this.client, method, request);
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Client } from '@grpc/grpc-js';
import {
  airoutingV1,
  analyticsV1,
  authV1,
  commonV1,
  knowledgeV1,
  orchestratorV1,
} from '@brainmesh/contracts';
import { checkHealth, createGrpcClient, unaryCall } from '@brainmesh/grpc';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import type { Registry } from '@brainmesh/telemetry';
import type { GatewayConfig } from '../config';

export const DOWNSTREAM_SERVICES = ['auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics'] as const;
export type DownstreamName = (typeof DOWNSTREAM_SERVICES)[number];

export type HealthStatus = Awaited<ReturnType<typeof checkHealth>>;

interface InfoClient extends Client {
  getServiceInfo: unknown;
}

/** gRPC connections from the gateway to every internal service (outbound I/O lives here). */
@Injectable()
export class DownstreamRepository implements OnModuleDestroy {
  private readonly addresses: Record<DownstreamName, string>;
  private readonly clients: Record<DownstreamName, InfoClient>;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.addresses = {
      auth: config.AUTH_GRPC_URL,
      'ai-routing': config.AI_ROUTING_GRPC_URL,
      knowledge: config.KNOWLEDGE_GRPC_URL,
      orchestrator: config.ORCHESTRATOR_GRPC_URL,
      analytics: config.ANALYTICS_GRPC_URL,
    };
    const options = {
      deadlineMs: config.GRPC_DEADLINE_MS,
      idempotentMethods: ['getServiceInfo'],
      registry,
      logger,
    };
    this.clients = {
      auth: createGrpcClient(authV1.AuthServiceClient, this.addresses.auth, options),
      'ai-routing': createGrpcClient(
        airoutingV1.AiRoutingServiceClient,
        this.addresses['ai-routing'],
        options,
      ),
      knowledge: createGrpcClient(knowledgeV1.KnowledgeServiceClient, this.addresses.knowledge, options),
      orchestrator: createGrpcClient(
        orchestratorV1.OrchestratorServiceClient,
        this.addresses.orchestrator,
        options,
      ),
      analytics: createGrpcClient(analyticsV1.AnalyticsServiceClient, this.addresses.analytics, options),
    };
  }

  health(name: DownstreamName, timeoutMs = 1000): Promise<HealthStatus> {
    return checkHealth(this.addresses[name], '', timeoutMs);
  }

  async serviceInfo(name: DownstreamName): Promise<commonV1.ServiceInfo | undefined> {
    const response = await unaryCall<object, { info?: commonV1.ServiceInfo }>(
      this.clients[name],
      'getServiceInfo',
      {},
    );
    return response.info;
  }

  onModuleDestroy(): void {
    for (const client of Object.values(this.clients)) client.close();
  }
}

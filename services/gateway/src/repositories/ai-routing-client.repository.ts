import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { airoutingV1 } from '@brainmesh/contracts';
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

type AiRoutingClient = airoutingV1.AiRoutingServiceClient;

/** The grpc-js readable stream of CreateChatCompletion events (`data`, `error`, `end`, `status`). */
export type ChatCompletionCall = ReturnType<AiRoutingClient['createChatCompletion']>;

/** Reads that are safe to retry when ai-routing is briefly unavailable. */
const IDEMPOTENT = [
  'getServiceInfo',
  'listModels',
  'listProviders',
  'getProvider',
  'listRoutes',
  'getRoute',
  'listBudgets',
  'listPrices',
] as const;

/** Calls that run an upstream model: they get AI_REQUEST_TIMEOUT_MS instead of GRPC_DEADLINE_MS. */
const MODEL_CALLS: ReadonlySet<string> = new Set(['createEmbeddings']);

/** Embeddings of many long inputs are large (JSON floats): well above grpc-js's 4 MiB default. */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/** The gateway's gRPC connection to the ai-routing service (outbound I/O lives here). */
@Injectable()
export class AiRoutingClientRepository implements OnModuleDestroy {
  private readonly client: AiRoutingClient;
  private readonly modelTimeoutMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.modelTimeoutMs = config.AI_REQUEST_TIMEOUT_MS;
    // W3C trace context and a CLIENT span are added to every call by createGrpcClient's interceptor.
    this.client = createGrpcClient(airoutingV1.AiRoutingServiceClient, config.AI_ROUTING_GRPC_URL, {
      deadlineMs: config.GRPC_DEADLINE_MS,
      idempotentMethods: IDEMPOTENT,
      registry,
      logger,
      channelOptions: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
    });
  }

  /** One typed unary call to AiRoutingService (errors are gRPC errors; the problem filter maps them). */
  call<K extends UnaryMethodName<AiRoutingClient>>(
    method: K,
    request: UnaryRequest<AiRoutingClient, K>,
    signal?: AbortSignal,
  ): Promise<UnaryResponse<AiRoutingClient, K>> {
    const deadlineMs = MODEL_CALLS.has(method) ? this.modelTimeoutMs : undefined;
    return unaryCall(this.client, method, request, { deadlineMs, signal });
  }

  /**
   * Starts the server-streaming CreateChatCompletion. The caller reads `data`/`error`/`end` events
   * (and may pause/resume the stream for backpressure); aborting `signal` cancels the call, which
   * makes ai-routing abort the upstream request.
   */
  streamChatCompletion(
    request: airoutingV1.CreateChatCompletionRequest,
    signal?: AbortSignal,
  ): ChatCompletionCall {
    const call = this.client.createChatCompletion(request, { deadline: Date.now() + this.modelTimeoutMs });
    if (signal) {
      const cancel = () => call.cancel();
      if (signal.aborted) cancel();
      else {
        signal.addEventListener('abort', cancel, { once: true });
        call.once('status', () => signal.removeEventListener('abort', cancel));
      }
    }
    return call;
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

import { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';
import { rateLimitsEnv } from './rate-limit/rate-limit.config';

const grpcAddress = (fallback: string) =>
  z
    .string()
    .regex(/^[^\s:]+:\d+$/)
    .default(fallback)
    .describe('a host:port gRPC address, e.g. auth:50051');

/** Environment of the gateway, the only public entry (see README "Configuration"). */
export const gatewayConfigSchema = baseServiceConfig({ httpPort: 8080, grpcPort: 50050 }).extend({
  AUTH_GRPC_URL: grpcAddress('127.0.0.1:50051'),
  AI_ROUTING_GRPC_URL: grpcAddress('127.0.0.1:50052'),
  KNOWLEDGE_GRPC_URL: grpcAddress('127.0.0.1:50053'),
  ORCHESTRATOR_GRPC_URL: grpcAddress('127.0.0.1:50054'),
  ANALYTICS_GRPC_URL: grpcAddress('127.0.0.1:50055'),
  /** How long a verified credential is reused without asking auth: the revocation bound. */
  AUTH_CACHE_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(5000)
    .describe('milliseconds from 0 to 5000 (revocations take effect within this time)'),
  /** Deadline of one model call through ai-routing (chat completion incl. its whole stream, embeddings). */
  AI_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(600_000)
    .describe('milliseconds from 1000 to 3600000 (how long one chat completion or embeddings call may take)'),
  /** Token-bucket limits per plan, for other credentials, and per client address (see rate-limit/). */
  RATE_LIMITS: rateLimitsEnv(),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

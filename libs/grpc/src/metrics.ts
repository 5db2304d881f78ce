import type { Counter, Histogram } from 'prom-client';
import { type Registry, register as globalRegistry } from 'prom-client';
import { counter, histogram } from '@brainmesh/telemetry';

/** Latency buckets in seconds: 1 ms .. 30 s. */
export const GRPC_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type CallLabels = 'service' | 'method';
type ResultLabels = CallLabels | 'code';

export interface ServerMetrics {
  /** grpc_server_started_total{service, method} */
  started: Counter<CallLabels>;
  /** grpc_server_handling_seconds{service, method, code} */
  handling: Histogram<ResultLabels>;
}

export interface ClientMetrics {
  /** grpc_client_handling_seconds{service, method, code}: whole logical call, retries included. */
  handling: Histogram<ResultLabels>;
}

export function serverMetrics(registry: Registry = globalRegistry): ServerMetrics {
  return {
    started: counter(registry, 'grpc_server_started_total', 'gRPC calls started on the server.', [
      'service',
      'method',
    ]),
    handling: histogram(
      registry,
      'grpc_server_handling_seconds',
      'gRPC server call latency until the status is sent.',
      ['service', 'method', 'code'],
      GRPC_LATENCY_BUCKETS,
    ),
  };
}

export function clientMetrics(registry: Registry = globalRegistry): ClientMetrics {
  return {
    handling: histogram(
      registry,
      'grpc_client_handling_seconds',
      'gRPC client call latency until the status is received.',
      ['service', 'method', 'code'],
      GRPC_LATENCY_BUCKETS,
    ),
  };
}

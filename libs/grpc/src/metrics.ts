import { Counter, Histogram, type Registry, register as globalRegistry } from 'prom-client';

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

// Metrics are registered once per registry and shared by every server/client using it, so creating
// several servers or clients against the same registry never throws "already registered".
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  if (existing) throw new Error(`metric ${name} is already registered with another type`);
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  if (existing) throw new Error(`metric ${name} is already registered with another type`);
  return new Histogram({ name, help, labelNames, buckets: GRPC_LATENCY_BUCKETS, registers: [registry] });
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
    ),
  };
}

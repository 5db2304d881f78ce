import {
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { type Metadata, status as Status } from '@grpc/grpc-js';

import { statusName } from './errors';

export const TRACER_NAME = 'brainmesh-grpc';

/** Resolved per use so a tracer provider registered after import still applies. */
export function grpcTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** W3C trace-context (traceparent/tracestate) carrier accessors for grpc-js Metadata. */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === 'string');
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Server side: the remote parent context carried by the request metadata (never the ambient one). */
export function extractContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

/** Client side: writes the trace context of `ctx` into outgoing metadata. */
export function injectContext(ctx: Context, metadata: Metadata): void {
  propagation.inject(ctx, metadata, metadataSetter);
}

export interface MethodName {
  /** Fully-qualified service, e.g. `brainmesh.auth.v1.AuthService`. */
  service: string;
  /** RPC name as in the proto, e.g. `GetServiceInfo`. */
  method: string;
}

/** Splits a gRPC path `/pkg.Service/Method`. */
export function parseMethodPath(path: string): MethodName {
  const match = /^\/?([^/]+)\/([^/]+)$/.exec(path);
  return match ? { service: match[1], method: match[2] } : { service: 'unknown', method: path };
}

export function rpcSpanAttributes({ service, method }: MethodName): Attributes {
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/** Server spans only fail for server-side faults (OTel RPC semantic conventions). */
const SERVER_FAULTS: ReadonlySet<Status> = new Set([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

export function isServerFault(code: Status): boolean {
  return SERVER_FAULTS.has(code);
}

/** Records the final status on a span and ends it. */
export function endRpcSpan(span: Span, kind: 'server' | 'client', code: Status, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  const failed = kind === 'client' ? code !== Status.OK : isServerFault(code);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? statusName(code) });
  span.end();
}

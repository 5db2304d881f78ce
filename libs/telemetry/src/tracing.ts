import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  /** `service.name` of the process (in the embedded mode, the whole platform is one process). */
  serviceName: string;
  /**
   * OTLP/HTTP endpoint (e.g. http://otel-collector:4318). Without one (and without `exporter`),
   * spans are not recorded; their trace ids still propagate and appear in logs.
   */
  otlpEndpoint?: string;
  /** Extra exporter, e.g. an in-memory one in tests. */
  exporter?: SpanExporter;
}

let provider: NodeTracerProvider | undefined;

/**
 * Installs the process-wide tracer provider with W3C trace context propagation and an async
 * context manager. Idempotent: the first call wins, later calls return the same provider.
 */
export function initTracing(options: TracingOptions): NodeTracerProvider {
  if (provider) return provider;
  const spanProcessors: SpanProcessor[] = [];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  if (options.exporter) spanProcessors.push(new SimpleSpanProcessor(options.exporter));
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors,
    // Nothing exports spans: do not record them. Spans still carry trace ids (logs, usage records,
    // `traceparent` to the next hop); with an exporter, OTEL_TRACES_SAMPLER applies (default: all).
    ...(spanProcessors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  return provider;
}

/** Flushes and stops the tracer provider (on shutdown). */
export async function shutdownTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (p) await p.shutdown();
}

export function tracer(service: string): Tracer {
  return trace.getTracer(`brainmesh.${service}`);
}

/** The W3C `traceparent` of the active span, for carriers that are not headers (event envelopes). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** A context whose parent is the span described by `traceparent` (or the active one if absent). */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  if (!traceparent) return context.active();
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(context.active(), carrier);
}

/** The trace id of the active span, if any. */
export function currentTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}

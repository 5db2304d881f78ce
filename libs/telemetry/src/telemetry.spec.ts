import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  contextFromTraceparent,
  counter,
  createMetricsRegistry,
  currentTraceparent,
  histogram,
  initTracing,
  shutdownTracing,
  tracer,
} from './index';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => initTracing({ serviceName: 'test', exporter }));
  afterAll(() => shutdownTracing());

  it('carries a trace across a traceparent string (e.g. an event envelope)', async () => {
    const t = tracer('producer');
    let traceparent: string | undefined;
    const producerSpan = t.startSpan('publish', { kind: SpanKind.PRODUCER });
    await context.with(trace.setSpan(context.active(), producerSpan), async () => {
      await Promise.resolve();
      traceparent = currentTraceparent();
    });
    producerSpan.end();
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const consumerSpan = tracer('consumer').startSpan(
      'consume',
      { kind: SpanKind.CONSUMER },
      contextFromTraceparent(traceparent),
    );
    consumerSpan.end();
    const spans = exporter.getFinishedSpans();
    const consume = spans.find((s) => s.name === 'consume')!;
    expect(consume.spanContext().traceId).toBe(producerSpan.spanContext().traceId);
    expect(consume.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
  });

  it('has no traceparent outside a span', () => {
    expect(currentTraceparent()).toBeUndefined();
  });
});

describe('metrics', () => {
  it('labels every series with the service and reuses metrics by name', async () => {
    const registry = createMetricsRegistry('auth', { defaultMetrics: false });
    const a = counter(registry, 'things_total', 'things', ['kind']);
    const b = counter(registry, 'things_total', 'things', ['kind']);
    expect(a).toBe(b);
    a.inc({ kind: 'x' }, 2);
    histogram(registry, 'op_seconds', 'op').observe(0.003);
    expect(() => histogram(registry, 'things_total', 'clash')).toThrow(
      'already registered with another type',
    );
    const text = await registry.metrics();
    expect(text).toContain('things_total{kind="x",service="auth"} 2');
    expect(text).toContain('op_seconds_bucket{le="0.005",service="auth"} 1');
  });
});

import { SpanKind, trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { captureLogger } from '../../test/support/logger';
import { installTestTracing } from '../../test/support/otel';
import { DiagnosticsProbeEvent } from '../definitions/diagnostics';
import type { EventEnvelope } from '../envelope';
import type { MessageMeta, OutgoingMessage } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';

const TOPIC = 'test.topic';
const probe = (tenant: string, note: string): OutgoingMessage => {
  const envelope = DiagnosticsProbeEvent.create(tenant, { service: 'test', note });
  return { topic: TOPIC, key: envelope.key, envelope };
};

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const notes = (list: EventEnvelope[]) => list.map((e) => (e.data as { note: string }).note);

describe('InProcessEventBus', () => {
  let bus: InProcessEventBus;
  let registry: Registry;
  const { logger, lines } = captureLogger();

  beforeEach(async () => {
    registry = new Registry();
    bus = new InProcessEventBus({ logger, registry, service: 'svc', retry: { initialMs: 2, maxMs: 10 } });
    await bus.connect();
  });
  afterEach(() => bus.disconnect());

  it('drain() waits until every subscribed group has handled what was published', async () => {
    const slow = deferred();
    const seen: string[] = [];
    await bus.subscribe({
      groupId: 'g-drain',
      topics: [TOPIC],
      handler: async (e) => {
        await slow.promise;
        seen.push((e.data as { note: string }).note);
      },
    });
    await bus.publish([probe('t1', 'a'), probe('t1', 'b')]);
    expect(await bus.drain(50)).toBe(false);
    expect(bus.pendingDeliveries()).toBe(2);
    slow.resolve();
    expect(await bus.drain(2_000)).toBe(true);
    expect(seen).toEqual(['a', 'b']);
    expect(bus.pendingDeliveries()).toBe(0);
  });

  it('delivers after publish resolves, with meta', async () => {
    const got: Array<[EventEnvelope, MessageMeta]> = [];
    await bus.subscribe({ groupId: 'g', topics: [TOPIC], handler: async (e, m) => void got.push([e, m]) });
    const message = probe('t1', 'a');
    await bus.publish([message]);
    expect(got).toHaveLength(0); // not synchronously inside publish
    await until(() => got.length === 1);
    expect(got[0][0]).toEqual(message.envelope);
    expect(got[0][0]).not.toBe(message.envelope); // a copy, like a decoded Kafka message
    expect(got[0][1]).toMatchObject({ topic: TOPIC, offset: '0' });
    expect(got[0][1].partition).toBeGreaterThanOrEqual(0);
  });

  it('keeps per-key order across many publishes', async () => {
    const seen = new Map<string, string[]>();
    await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      handler: async (e) => {
        await new Promise((r) => setTimeout(r, Math.random() * 2));
        seen.set(e.key, [...(seen.get(e.key) ?? []), (e.data as { note: string }).note]);
      },
    });
    const tenants = ['a', 'b', 'c', 'd', 'e'];
    for (let i = 0; i < 20; i++) await bus.publish(tenants.map((t) => probe(t, String(i))));
    await until(() => [...seen.values()].reduce((n, l) => n + l.length, 0) === 100);
    for (const t of tenants) expect(seen.get(t)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('retries a failing handler without skipping, holding back later messages of the partition', async () => {
    const got: EventEnvelope[] = [];
    let failures = 0;
    await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      handler: async (e) => {
        if ((e.data as { note: string }).note === '1' && failures < 3) {
          failures += 1;
          throw new Error('transient');
        }
        got.push(e);
      },
    });
    await bus.publish(['0', '1', '2', '3'].map((n) => probe('same-tenant', n)));
    await until(() => got.length === 4);
    expect(notes(got)).toEqual(['0', '1', '2', '3']);
    expect(failures).toBe(3);
    expect(lines.filter((l) => String(l.msg).startsWith('event handler failed, retrying'))).toHaveLength(3);
    const metrics = await registry.getMetricsAsJSON();
    const byName = (n: string) => metrics.find((m) => m.name === n)?.values ?? [];
    expect(byName('events_handler_failures_total')).toEqual([
      expect.objectContaining({ value: 3, labels: { service: 'svc', topic: TOPIC, group: 'g' } }),
    ]);
    expect(byName('events_consumed_total')[0]).toMatchObject({ value: 4 });
  });

  it('gives every group every message; members of one group share them', async () => {
    const a: EventEnvelope[] = [];
    const b1: EventEnvelope[] = [];
    const b2: EventEnvelope[] = [];
    await bus.subscribe({ groupId: 'a', topics: [TOPIC], handler: async (e) => void a.push(e) });
    await bus.subscribe({ groupId: 'b', topics: [TOPIC], handler: async (e) => void b1.push(e) });
    await bus.subscribe({ groupId: 'b', topics: [TOPIC], handler: async (e) => void b2.push(e) });
    const messages = Array.from({ length: 40 }, (_, i) => probe(`tenant-${i}`, String(i)));
    await bus.publish(messages);
    await until(() => a.length === 40 && b1.length + b2.length === 40);
    expect(new Set(a.map((e) => e.id))).toEqual(new Set(messages.map((m) => m.envelope.id)));
    expect(new Set([...b1, ...b2].map((e) => e.id)).size).toBe(40);
    expect(b1.length).toBeGreaterThan(0);
    expect(b2.length).toBeGreaterThan(0);
  });

  it('starts a new group at the end unless fromBeginning', async () => {
    await bus.publish([probe('t', 'old')]);
    const latest: EventEnvelope[] = [];
    const all: EventEnvelope[] = [];
    await bus.subscribe({ groupId: 'latest', topics: [TOPIC], handler: async (e) => void latest.push(e) });
    await bus.subscribe({
      groupId: 'all',
      topics: [TOPIC],
      fromBeginning: true,
      handler: async (e) => void all.push(e),
    });
    await bus.publish([probe('t', 'new')]);
    await until(() => all.length === 2 && latest.length === 1);
    expect(notes(latest)).toEqual(['new']);
    expect(notes(all)).toEqual(['old', 'new']);
  });

  it('is at-least-once: a message unfinished at stop goes to the next member of the group', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const blocked = deferred();
    const sub1 = await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      handler: async (e) => {
        first.push((e.data as { note: string }).note);
        await blocked.promise;
        throw new Error('crashed mid-message');
      },
    });
    await bus.publish([probe('k', 'm1'), probe('k', 'm2')]);
    await until(() => first.length === 1);
    const stopping = sub1.stop();
    blocked.resolve();
    await stopping;
    await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      handler: async (e) => void second.push((e.data as { note: string }).note),
    });
    await until(() => second.length === 2);
    expect(first).toEqual(['m1']);
    expect(second).toEqual(['m1', 'm2']);
  });

  it('resumes a group from its committed offsets after all members left', async () => {
    const got: string[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      handler: async (e) => void got.push((e.data as { note: string }).note),
    });
    await bus.publish([probe('k', '1')]);
    await until(() => got.length === 1);
    await sub.stop();
    await bus.publish([probe('k', '2'), probe('k', '3')]);
    await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      fromBeginning: true,
      handler: async (e) => void got.push((e.data as { note: string }).note),
    });
    await until(() => got.length === 3);
    expect(got).toEqual(['1', '2', '3']);
  });

  it('trims consumed messages beyond the retention, never unconsumed ones', async () => {
    const small = new InProcessEventBus({ logger, registry, numPartitions: 1, retainPerPartition: 5 });
    await small.connect();
    const fast: string[] = [];
    const slow: string[] = [];
    const gate = deferred();
    await small.subscribe({
      groupId: 'fast',
      topics: [TOPIC],
      handler: async (e) => void fast.push(notes([e])[0]),
    });
    await small.subscribe({
      groupId: 'slow',
      topics: [TOPIC],
      handler: async (e) => {
        await gate.promise;
        slow.push(notes([e])[0]);
      },
    });
    const all = Array.from({ length: 3000 }, (_, i) => String(i));
    for (let i = 0; i < all.length; i += 500)
      await small.publish(all.slice(i, i + 500).map((n) => probe('k', n)));
    await until(() => fast.length === 3000);
    gate.resolve(); // the slow group still gets everything: nothing it has not consumed was dropped
    await until(() => slow.length === 3000, 10_000);
    expect(slow).toEqual(all);
    await small.publish([probe('k', 'last')]);
    await until(() => fast.length === 3001 && slow.length === 3001);
    const late: string[] = [];
    await small.subscribe({
      groupId: 'late',
      topics: [TOPIC],
      fromBeginning: true,
      handler: async (e) => void late.push(notes([e])[0]),
    });
    await until(() => late.at(-1) === 'last');
    expect(late.length).toBeGreaterThanOrEqual(5);
    expect(late.length).toBeLessThan(1_100);
    expect(late).toEqual([...all, 'last'].slice(-late.length));
    await small.disconnect();
  });

  it('requires connect and reports health', async () => {
    const other = new InProcessEventBus({ logger });
    await expect(other.isHealthy()).resolves.toBe(false);
    await expect(other.publish([probe('t', 'x')])).rejects.toThrow(/not connected/);
    await other.connect();
    await expect(other.isHealthy()).resolves.toBe(true);
    await other.disconnect();
    await expect(other.isHealthy()).resolves.toBe(false);
  });

  it('lets several services share one registry', async () => {
    const other = new InProcessEventBus({ logger, registry, service: 'other' });
    await other.connect();
    const got: string[] = [];
    await other.subscribe({ groupId: 'g', topics: [TOPIC], handler: async () => void got.push('x') });
    await other.publish([probe('t', 'x')]);
    await until(() => got.length === 1);
    const consumed = (await registry.getMetricsAsJSON()).find((m) => m.name === 'events_consumed_total');
    expect(consumed?.values).toEqual([
      expect.objectContaining({ labels: { service: 'other', topic: TOPIC, group: 'g' } }),
    ]);
    await other.disconnect();
  });

  describe('tracing', () => {
    let tracing: ReturnType<typeof installTestTracing>;
    beforeAll(() => {
      tracing = installTestTracing();
    });
    afterAll(() => tracing.uninstall());

    it('runs the handler in a CONSUMER span continuing the producer trace', async () => {
      let handlerTraceId: string | undefined;
      await bus.subscribe({
        groupId: 'g',
        topics: [TOPIC],
        handler: async () => {
          handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
        },
      });
      const message = trace.getTracer('test').startActiveSpan('produce', (span) => {
        const m = probe('t', 'traced');
        span.end();
        return m;
      });
      await bus.publish([message]);
      await until(() => handlerTraceId !== undefined);
      const parentTraceId = message.envelope.traceparent?.split('-')[1];
      expect(handlerTraceId).toBe(parentTraceId);
      const consumerSpan = tracing.exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
      expect(consumerSpan?.name).toBe(`process ${TOPIC}`);
      expect(consumerSpan?.parentSpanContext?.spanId).toBe(message.envelope.traceparent?.split('-')[2]);
      expect(consumerSpan?.attributes['messaging.consumer.group.name']).toBe('g');
    });
  });
});

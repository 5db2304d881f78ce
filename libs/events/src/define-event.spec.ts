import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import { installTestTracing } from '../test/support/otel';
import { DiagnosticsProbeEvent } from './definitions/diagnostics';
import { EventCatalog, defineEvent, eventCatalog } from './define-event';
import { EventValidationError } from './envelope';
import { TOPICS } from './topics';

describe('defineEvent', () => {
  it('creates a valid envelope keyed by tenant', () => {
    const before = Date.now();
    const e = DiagnosticsProbeEvent.create('tenant-1', { service: 'auth', note: 'hi' });
    expect(e).toMatchObject({ type: 'diagnostics.probe', version: 1, tenantId: 'tenant-1', key: 'tenant-1' });
    expect(e.data).toEqual({ service: 'auth', note: 'hi' });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(e.occurredAt)).toBeGreaterThanOrEqual(before - 1);
    expect(e.traceparent).toBeUndefined();
    expect(DiagnosticsProbeEvent.parse(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  it('ids are time-ordered', () => {
    const ids = Array.from(
      { length: 50 },
      () => DiagnosticsProbeEvent.create('t', { service: 's', note: '' }).id,
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it('accepts a custom key and occurredAt', () => {
    const at = new Date('2024-01-02T03:04:05.000Z');
    const e = DiagnosticsProbeEvent.create(
      't',
      { service: 's', note: 'n' },
      { key: 'user-9', occurredAt: at },
    );
    expect(e.key).toBe('user-9');
    expect(e.occurredAt).toBe('2024-01-02T03:04:05.000Z');
  });

  it('validates data on create and parse', () => {
    expect(() => DiagnosticsProbeEvent.create('t', { service: '', note: 'x' })).toThrow(EventValidationError);
    expect(() => DiagnosticsProbeEvent.create('t', { note: 'x' } as never)).toThrow(
      /invalid data for diagnostics.probe v1/,
    );
    const e = DiagnosticsProbeEvent.create('t', { service: 's', note: 'n' });
    expect(() => DiagnosticsProbeEvent.parse({ ...e, data: { service: 1 } })).toThrow(EventValidationError);
    expect(() => DiagnosticsProbeEvent.parse({ ...e, version: 2 })).toThrow(
      /expected diagnostics.probe v1, got diagnostics.probe v2/,
    );
    expect(() => DiagnosticsProbeEvent.create('', { service: 's', note: 'n' })).toThrow(
      /tenantId is required/,
    );
  });

  it('registers in the catalog by type and version', () => {
    expect(eventCatalog.get('diagnostics.probe', 1)).toBe(DiagnosticsProbeEvent);
    expect(DiagnosticsProbeEvent.topic).toBe(TOPICS.diagnostics);
    expect(() => eventCatalog.get('diagnostics.probe', 9)).toThrow(/not defined/);
  });

  it('refuses one type and version on two topics, and bad names', () => {
    const catalog = new EventCatalog();
    const schema = z.object({});
    defineEvent({ type: 'a.b', version: 1, topic: 'x', schema, catalog });
    expect(() => defineEvent({ type: 'a.b', version: 1, topic: 'y', schema, catalog })).toThrow(
      /already defined on topic x/,
    );
    expect(() => defineEvent({ type: 'NoDots', version: 1, topic: 'x', schema, catalog })).toThrow(
      /dotted lower-case/,
    );
    expect(() => defineEvent({ type: 'a.c', version: 0, topic: 'x', schema, catalog })).toThrow(
      /positive integer/,
    );
  });

  describe('with tracing', () => {
    let tracing: ReturnType<typeof installTestTracing>;
    beforeAll(() => {
      tracing = installTestTracing();
    });
    afterAll(() => tracing.uninstall());

    it('captures the active trace context as traceparent', () => {
      trace.getTracer('test').startActiveSpan('op', (span) => {
        const e = DiagnosticsProbeEvent.create('t', { service: 's', note: 'n' });
        const { traceId, spanId } = span.spanContext();
        expect(e.traceparent).toBe(`00-${traceId}-${spanId}-01`);
        span.end();
      });
    });
  });
});

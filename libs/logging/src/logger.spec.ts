import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger, runWithRequestContext, setContextTenant } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('writes JSON with service, request id, tenant id and trace ids', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: 'auth', destination: stream });
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    await runWithRequestContext({ requestId: 'req-1' }, async () => {
      setContextTenant('tenant-a');
      await Promise.resolve();
      context.with(trace.setSpanContext(context.active(), spanContext), () => log.info({ n: 1 }, 'hello'));
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'auth',
      msg: 'hello',
      n: 1,
      request_id: 'req-1',
      tenant_id: 'tenant-a',
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
    });
  });

  it('redacts secrets by key at any depth and in free text', () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: 'gateway', destination: stream });
    log.info(
      {
        headers: { authorization: 'Bearer abcdefghijklmnop', 'x-request-id': 'r1' },
        provider: { name: 'openai', api_key: 'sk-1234567890abcdefghij' },
        body: { password: 'hunter2', email: 'a@b.c' },
        url: 'postgres://brainmesh:s3cret@db:5432/auth',
      },
      'calling with key bm_0123456789abcdefghijklmnop',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['abcdefghijklmnop', 'sk-1234567890', 'hunter2', 's3cret', 'bm_0123456789']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[REDACTED]', 'x-request-id': 'r1' },
      provider: { name: 'openai', api_key: '[REDACTED]' },
      body: { password: '[REDACTED]', email: 'a@b.c' },
      url: 'postgres://brainmesh:[REDACTED]@db:5432/auth',
    });
  });

  it('omits request fields outside a request', () => {
    const { lines, stream } = capture();
    createLogger({ service: 'x', destination: stream }).warn('plain');
    expect(lines[0]).not.toHaveProperty('request_id');
    expect(lines[0]).not.toHaveProperty('trace_id');
  });
});

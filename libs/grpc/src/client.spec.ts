import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

import { captureLogger, SAMPLE_INFO, sleep, startAuthServer, type Started } from '../test/support';
import { createGrpcClient, retryServiceConfig, unaryCall } from './client';
import { GrpcError } from './errors';
import { TRACER_NAME } from './tracing';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('createGrpcClient / unaryCall', () => {
  let started: Started | undefined;
  const clients: Array<{ close(): void }> = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await started?.server.shutdown(100);
    started = undefined;
    exporter.reset();
  });

  function client(options: Parameters<typeof createGrpcClient>[2] = {}): authV1.AuthServiceClient {
    const c = createGrpcClient(authV1.AuthServiceClient, started!.address, options);
    clients.push(c);
    return c;
  }

  it('propagates W3C trace context client -> server with CLIENT and SERVER spans', async () => {
    let serverSeen: { traceId?: string; traceparent?: unknown } = {};
    started = await startAuthServer(async (call) => {
      await sleep(1); // the context must survive async hops in the handler
      serverSeen = {
        traceId: trace.getActiveSpan()?.spanContext().traceId,
        traceparent: call.metadata.get('traceparent')[0],
      };
      return { info: SAMPLE_INFO };
    });
    const c = client();

    const tracer = trace.getTracer('test');
    const parentTraceId = await tracer.startActiveSpan('http-request', async (parent) => {
      await unaryCall(c, 'getServiceInfo', {});
      parent.end();
      return parent.spanContext().traceId;
    });

    expect(serverSeen.traceId).toBe(parentTraceId);
    expect(String(serverSeen.traceparent)).toMatch(new RegExp(`^00-${parentTraceId}-[0-9a-f]{16}-01$`));

    const spans = exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === TRACER_NAME);
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(clientSpan?.name).toBe('brainmesh.auth.v1.AuthService/GetServiceInfo');
    expect(serverSpan?.spanContext().traceId).toBe(parentTraceId);
    expect(clientSpan?.spanContext().traceId).toBe(parentTraceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'brainmesh.auth.v1.AuthService',
      'rpc.method': 'GetServiceInfo',
      'rpc.grpc.status_code': Status.OK,
    });
  });

  it('starts a new trace on the server when the caller sends none', async () => {
    let traceId: string | undefined;
    started = await startAuthServer((_call, cb) => {
      traceId = trace.getActiveSpan()?.spanContext().traceId;
      cb(null, {});
    });
    await unaryCall(client(), 'getServiceInfo', {});
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives every call a deadline: a slow handler gets DEADLINE_EXCEEDED', async () => {
    let serverDeadline: number | undefined;
    started = await startAuthServer(async (call) => {
      const d = call.getDeadline();
      serverDeadline = d instanceof Date ? d.getTime() : d;
      await sleep(1_000);
      return {};
    });
    const t0 = Date.now();
    const err = (await unaryCall(client({ deadlineMs: 150 }), 'getServiceInfo', {}).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - t0).toBeLessThan(900);
    expect(Number.isFinite(serverDeadline)).toBe(true);

    // The raw generated method (no explicit deadline) gets the default too.
    const raw = await new Promise<ServiceError | null>((resolve) =>
      client({ deadlineMs: 150 }).getServiceInfo({}, (e) => resolve(e)),
    );
    expect(raw?.code).toBe(Status.DEADLINE_EXCEEDED);

    // A per-call deadline wins over the client default.
    const perCall = (await unaryCall(
      client({ deadlineMs: 60_000 }),
      'getServiceInfo',
      {},
      { deadlineMs: 100 },
    ).catch((e: unknown) => e)) as ServiceError;
    expect(perCall.code).toBe(Status.DEADLINE_EXCEEDED);
  });

  it('retries idempotent methods on UNAVAILABLE and succeeds once the server recovers', async () => {
    let attempts = 0;
    started = await startAuthServer((_call, cb) => {
      attempts += 1;
      if (attempts < 3) cb(new GrpcError(Status.UNAVAILABLE, 'warming up'));
      else cb(null, { info: SAMPLE_INFO });
    });
    const c = client({ idempotentMethods: ['GetServiceInfo'], maxAttempts: 3 });
    await expect(unaryCall(c, 'getServiceInfo', {})).resolves.toEqual({ info: SAMPLE_INFO });
    expect(attempts).toBe(3);
  });

  it('stops after maxAttempts for idempotent methods and never retries non-idempotent ones', async () => {
    let attempts = 0;
    started = await startAuthServer((_call, cb) => {
      attempts += 1;
      cb(new GrpcError(Status.UNAVAILABLE, 'down for maintenance'));
    });

    const idempotent = client({ idempotentMethods: ['getServiceInfo'], maxAttempts: 3 });
    await expect(unaryCall(idempotent, 'getServiceInfo', {})).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
    expect(attempts).toBe(3);

    attempts = 0;
    await expect(unaryCall(client(), 'getServiceInfo', {})).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
    expect(attempts).toBe(1);
  });

  it('does not retry idempotent methods on other codes', async () => {
    let attempts = 0;
    started = await startAuthServer((_call, cb) => {
      attempts += 1;
      cb(new GrpcError(Status.INTERNAL, 'boom'));
    });
    const c = client({ idempotentMethods: ['GetServiceInfo'] });
    await expect(unaryCall(c, 'getServiceInfo', {})).rejects.toMatchObject({ code: Status.INTERNAL });
    expect(attempts).toBe(1);
  });

  it('rejects unknown idempotent method names', () => {
    expect(() => retryServiceConfig(authV1.AuthServiceService, ['GetServiceInfoo'], 3)).toThrow(
      /unknown idempotent method/,
    );
    expect(retryServiceConfig(authV1.AuthServiceService, ['getServiceInfo'], 3).methodConfig).toEqual([
      {
        name: [{ service: 'brainmesh.auth.v1.AuthService', method: 'GetServiceInfo' }],
        retryPolicy: expect.objectContaining({
          maxAttempts: 3,
          retryableStatusCodes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'],
        }),
      },
    ]);
  });

  it('sends caller metadata, supports cancellation through an AbortSignal and logs failed calls', async () => {
    let tenant: unknown;
    started = await startAuthServer(async (call) => {
      tenant = call.metadata.get('x-tenant-id')[0];
      await sleep(1_000);
      return {};
    });
    const { logger, lines } = captureLogger();
    const c = client({ logger });
    const metadata = new Metadata();
    metadata.set('x-tenant-id', 't-1');
    const abort = new AbortController();
    const pending = unaryCall(c, 'getServiceInfo', {}, { metadata, signal: abort.signal });
    await sleep(50);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: Status.CANCELLED });
    expect(tenant).toBe('t-1');
    expect(lines).toEqual([
      expect.objectContaining({ grpc: expect.objectContaining({ code: 'CANCELLED' }) }),
    ]);
  });
});

describe('unaryCall typing', () => {
  it('infers request/response types from a ts-proto client and accepts explicit ones', async () => {
    const { server, address } = await startAuthServer((_call, cb) => cb(null, { info: SAMPLE_INFO }));
    const c = createGrpcClient(authV1.AuthServiceClient, address);
    try {
      // No annotation: this only typechecks if the typed overload resolved the response type.
      const inferred = await unaryCall(c, 'getServiceInfo', {});
      expect(inferred.info?.service).toBe('auth');

      const explicit = await unaryCall<object, authV1.GetServiceInfoResponse>(c, 'getServiceInfo', {});
      expect(explicit.info?.instanceId).toBe(SAMPLE_INFO.instanceId);

      await expect(unaryCall(c, 'nope', {})).rejects.toThrow(/no method "nope"/);
    } finally {
      c.close();
      await server.shutdown(100);
    }
  });
});

import {
  credentials,
  logVerbosity,
  Metadata,
  setLogVerbosity,
  status as Status,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import type { Registry } from 'prom-client';

import {
  captureLogger,
  collect,
  CounterClient,
  CounterService,
  type CounterServer,
  SAMPLE_INFO,
  startAuthServer,
  startServer,
  type Started,
  AUTH_INFO_SERVICE,
} from '../test/support';
import { createGrpcClient, unaryCall } from './client';
import { GrpcError, PROBLEM_METADATA_KEY, readProblem } from './errors';
import { grpcErrorToProblem } from './problem';
import { GrpcServer, INTERNAL_ERROR_MESSAGE } from './server';

const SECRET = 'password=hunter2 at db-primary.internal:5432';

async function call(started: Started): Promise<ServiceError> {
  const client = createGrpcClient(authV1.AuthServiceClient, started.address);
  try {
    await unaryCall(client, 'getServiceInfo', {});
    throw new Error('expected the call to fail');
  } catch (err) {
    return err as ServiceError;
  } finally {
    client.close();
  }
}

async function sampleCount(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) ===
        (name.endsWith('_seconds') ? `${name}_count` : name) &&
      Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return sample?.value ?? 0;
}

describe('GrpcServer', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.server.shutdown(100);
    started = undefined;
  });

  it('serves ts-proto services through callbacks and async handlers', async () => {
    started = await startAuthServer(async (call) => {
      expect(call.request).toEqual({});
      return { info: SAMPLE_INFO };
    });
    const client = createGrpcClient(authV1.AuthServiceClient, started.address);
    await expect(unaryCall(client, 'getServiceInfo', {})).resolves.toEqual({ info: SAMPLE_INFO });
    client.close();
  });

  it('sends a GrpcError status and problem details that round-trip to grpcErrorToProblem', async () => {
    started = await startAuthServer(() => {
      throw new GrpcError(Status.INVALID_ARGUMENT, 'tenant id is malformed', {
        type: 'https://docs.brainmesh.dev/problems/validation',
        title: 'Validation failed',
        detail: 'tenant id is malformed',
        errors: [{ field: 'tenantId', message: 'must be a UUID' }],
      });
    });
    const err = await call(started);

    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(err.details).toBe('tenant id is malformed');
    expect(err.metadata.get(PROBLEM_METADATA_KEY)).toHaveLength(1);
    expect(readProblem(err.metadata)?.errors).toEqual([{ field: 'tenantId', message: 'must be a UUID' }]);
    expect(grpcErrorToProblem(err)).toEqual({
      status: 400,
      type: 'https://docs.brainmesh.dev/problems/validation',
      title: 'Validation failed',
      detail: 'tenant id is malformed',
      errors: [{ field: 'tenantId', message: 'must be a UUID' }],
    });
    expect(started.lines.filter((l) => l.msg.includes('GetServiceInfo'))).toHaveLength(1);
  });

  it('passes GrpcErrors given to the callback or rejected by async handlers, and plain status objects', async () => {
    started = await startAuthServer((_call, cb) => cb(new GrpcError(Status.NOT_FOUND, 'no such tenant')));
    expect(await call(started)).toMatchObject({ code: Status.NOT_FOUND, details: 'no such tenant' });
    await started.server.shutdown(100);

    started = await startAuthServer(async () => {
      throw new GrpcError(Status.PERMISSION_DENIED, 'not an admin');
    });
    expect(await call(started)).toMatchObject({ code: Status.PERMISSION_DENIED, details: 'not an admin' });
    await started.server.shutdown(100);

    started = await startAuthServer((_call, cb) => cb({ code: Status.ALREADY_EXISTS, details: 'exists' }));
    expect(await call(started)).toMatchObject({ code: Status.ALREADY_EXISTS, details: 'exists' });
  });

  it.each([
    [
      'thrown synchronously',
      (): never => {
        throw new Error(SECRET);
      },
    ],
    [
      'rejected',
      async (): Promise<never> => {
        throw new Error(SECRET);
      },
    ],
    ['passed to the callback', (_c: unknown, cb: (e: Error) => void): void => cb(new Error(SECRET))],
    [
      'a downstream ServiceError',
      (_c: unknown, cb: (e: Error) => void): void =>
        cb(
          Object.assign(new Error(SECRET), {
            code: Status.NOT_FOUND,
            details: SECRET,
            metadata: new Metadata(),
          }),
        ),
    ],
  ])(
    'maps an unknown error (%s) to INTERNAL without leaking it, logging it once with the call name',
    async (_name, handler) => {
      started = await startAuthServer(handler as authV1.AuthServiceServer['getServiceInfo']);
      const err = await call(started);

      expect(err.code).toBe(Status.INTERNAL);
      expect(err.details).toBe(INTERNAL_ERROR_MESSAGE);
      expect(JSON.stringify({ ...err, message: err.message, metadata: err.metadata.getMap() })).not.toContain(
        'hunter2',
      );
      expect(grpcErrorToProblem(err)).toEqual({
        status: 500,
        type: 'about:blank',
        title: 'Internal Server Error',
        detail: 'An internal error occurred.',
      });

      const failures = started.lines.filter((l) => l.grpc !== undefined);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        level: 50,
        grpc: { service: 'brainmesh.auth.v1.AuthService', method: 'GetServiceInfo', code: 'INTERNAL' },
        err: { message: SECRET },
      });
      expect(failures[0].msg).toContain('/brainmesh.auth.v1.AuthService/GetServiceInfo');
    },
  );

  it('records grpc_server_started_total and grpc_server_handling_seconds per service, method and code', async () => {
    let fail = false;
    started = await startAuthServer((_call, cb) =>
      fail ? cb(new GrpcError(Status.NOT_FOUND, 'gone')) : cb(null, { info: SAMPLE_INFO }),
    );
    const client = createGrpcClient(authV1.AuthServiceClient, started.address, {
      registry: started.registry,
    });
    await unaryCall(client, 'getServiceInfo', {});
    await unaryCall(client, 'getServiceInfo', {});
    fail = true;
    await expect(unaryCall(client, 'getServiceInfo', {})).rejects.toMatchObject({ code: Status.NOT_FOUND });
    client.close();

    const labels = { service: 'brainmesh.auth.v1.AuthService', method: 'GetServiceInfo' };
    const { registry } = started;
    expect(await sampleCount(registry, 'grpc_server_started_total', labels)).toBe(3);
    expect(await sampleCount(registry, 'grpc_server_handling_seconds', { ...labels, code: 'OK' })).toBe(2);
    expect(
      await sampleCount(registry, 'grpc_server_handling_seconds', { ...labels, code: 'NOT_FOUND' }),
    ).toBe(1);
    expect(await sampleCount(registry, 'grpc_client_handling_seconds', { ...labels, code: 'OK' })).toBe(2);
    expect(
      await sampleCount(registry, 'grpc_client_handling_seconds', { ...labels, code: 'NOT_FOUND' }),
    ).toBe(1);
    // Health checks are not instrumented.
    expect(await registry.metrics()).not.toContain('grpc.health.v1.Health');
  });

  it('shares metrics between servers on one registry', async () => {
    started = await startAuthServer((_c, cb) => cb(null, {}));
    const second = await startAuthServer((_c, cb) => cb(null, {}), { registry: started.registry });
    await second.server.shutdown(100);
  });

  describe('server streaming', () => {
    const counter: CounterServer = {
      count: (call) => {
        const { upTo, failWith } = call.request;
        for (let n = 1; n <= upTo; n++) call.write({ n });
        if (failWith === 'grpc-error')
          call.emit('error', new GrpcError(Status.FAILED_PRECONDITION, 'counter is frozen'));
        else if (failWith === 'crash') throw new Error(SECRET);
        else call.end();
      },
    };

    async function count(req: { upTo: number; failWith?: 'grpc-error' | 'crash' }) {
      const client = new CounterClient(started!.address, credentials.createInsecure());
      try {
        return await collect(client.count(req));
      } finally {
        client.close();
      }
    }

    beforeEach(async () => {
      started = await startServer((s) => s.addService(CounterService, counter));
    });

    it('streams and records OK', async () => {
      const res = await count({ upTo: 3 });
      expect(res.items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(res.status.code).toBe(Status.OK);
      const labels = { service: 'brainmesh.test.v1.CounterService', method: 'Count', code: 'OK' };
      expect(await sampleCount(started!.registry, 'grpc_server_handling_seconds', labels)).toBe(1);
    });

    it('passes a GrpcError emitted on the stream', async () => {
      const res = await count({ upTo: 2, failWith: 'grpc-error' });
      expect(res.items).toEqual([{ n: 1 }, { n: 2 }]);
      expect(res.error).toMatchObject({ code: Status.FAILED_PRECONDITION, details: 'counter is frozen' });
    });

    it('maps a crash to INTERNAL without leaking it', async () => {
      const res = await count({ upTo: 1, failWith: 'crash' });
      expect(res.error).toMatchObject({ code: Status.INTERNAL, details: INTERNAL_ERROR_MESSAGE });
      const failures = started!.lines.filter((l) => l.grpc !== undefined);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        grpc: { method: 'Count', code: 'INTERNAL' },
        err: { message: SECRET },
      });
    });
  });
});

describe('GrpcServer lifecycle', () => {
  it('rejects start() when the port is taken, and shutdown() works without a successful start', async () => {
    const first = await startAuthServer((_c, cb) => cb(null, {}));
    const second = new GrpcServer({ name: 'dup', port: first.server.port, logger: captureLogger().logger });
    second.addService(AUTH_INFO_SERVICE, { getServiceInfo: (_c, cb) => cb(null, {}) });
    setLogVerbosity(logVerbosity.NONE); // grpc-js itself logs the failed bind
    try {
      await expect(second.start()).rejects.toThrow();
    } finally {
      setLogVerbosity(logVerbosity.ERROR);
    }
    await second.shutdown(100);
    await first.server.shutdown(100);
    await first.server.shutdown(100); // idempotent
  });

  it('refuses addService() after start()', async () => {
    const s = await startAuthServer((_c, cb) => cb(null, {}));
    expect(() =>
      s.server.addService(AUTH_INFO_SERVICE, { getServiceInfo: (_c, cb) => cb(null, {}) }),
    ).toThrow(/after start/);
    expect(s.server.address).toBe(s.address);
    await s.server.shutdown(100);
  });
});

describe('GrpcServer typing', () => {
  it('types implementations from the definition and still accepts untyped ones', () => {
    // Compile-time checks only (run by typecheck); never executed.
    const typeOnly = (server: GrpcServer): void => {
      server.addService(AUTH_INFO_SERVICE, {
        getServiceInfo: (call, cb) => cb(null, { info: { ...SAMPLE_INFO, service: String(call.request) } }),
      });
      // @ts-expect-error the response type is checked against the contract
      server.addService(AUTH_INFO_SERVICE, { getServiceInfo: (_c, cb) => cb(null, { nope: 1 }) });
      // @ts-expect-error every RPC of the definition must be implemented
      server.addService(AUTH_INFO_SERVICE, {});
      const untypedDefinition: ServiceDefinition = authV1.AuthServiceService;
      const untypedImplementation: UntypedServiceImplementation = {};
      server.addService(untypedDefinition, untypedImplementation);
    };
    expect(typeof typeOnly).toBe('function');
  });
});

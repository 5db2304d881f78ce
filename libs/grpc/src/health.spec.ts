import { Client, credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { service as healthDefinition } from 'grpc-health-check';

import { SAMPLE_INFO, sleep, startAuthServer, type Started } from '../test/support';
import { createGrpcClient, unaryCall } from './client';
import { checkHealth } from './health';

const AUTH = 'brainmesh.auth.v1.AuthService';

describe('health', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.server.shutdown(100);
    started = undefined;
  });

  it('answers Check over a real connection for the server and each registered service', async () => {
    started = await startAuthServer((_call, cb) => cb(null, { info: SAMPLE_INFO }));
    const { address, server } = started;

    await expect(checkHealth(address)).resolves.toBe('SERVING');
    await expect(checkHealth(address, AUTH)).resolves.toBe('SERVING');
    await expect(checkHealth(address, 'brainmesh.nope.v1.Nope')).resolves.toBe('SERVICE_UNKNOWN');

    server.setServingStatus('NOT_SERVING');
    await expect(checkHealth(address)).resolves.toBe('NOT_SERVING');
    await expect(checkHealth(address, AUTH)).resolves.toBe('NOT_SERVING');
  });

  it('honours initialStatus and reports UNREACHABLE when nothing listens', async () => {
    started = await startAuthServer((_call, cb) => cb(null, {}), { initialStatus: 'NOT_SERVING' });
    await expect(checkHealth(started.address)).resolves.toBe('NOT_SERVING');
    const address = started.address;
    await started.server.shutdown(100);
    started = undefined;
    await expect(checkHealth(address, '', 300)).resolves.toBe('UNREACHABLE');
  });

  it('goes SERVING -> NOT_SERVING on shutdown: Watch sees the transition and its stream is completed', async () => {
    started = await startAuthServer((_call, cb) => cb(null, {}));
    const { server, address } = started;
    const client = new Client(address, credentials.createInsecure());
    const watch = healthDefinition.Watch;
    const seen: string[] = [];
    const stream = client.makeServerStreamRequest(
      watch.path,
      watch.requestSerialize,
      watch.responseDeserialize,
      { service: '' },
      new Metadata(),
      {},
    );
    const ended = new Promise<number>((resolve) =>
      stream.on('status', (s: { code: number }) => resolve(s.code)),
    );
    stream.on('data', (msg: { status?: string }) => seen.push(String(msg.status)));
    stream.on('error', () => undefined);

    while (seen.length === 0) await sleep(10);
    expect(seen).toEqual(['SERVING']);

    const t0 = Date.now();
    await server.shutdown(5_000);
    expect(Date.now() - t0).toBeLessThan(2_000); // the open Watch did not hold shutdown for the grace period
    await expect(ended).resolves.toBe(Status.OK);
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
    client.close();
    started = undefined;
  });

  it('lets in-flight calls finish on graceful shutdown and forces after the grace period', async () => {
    let release: (() => void) | undefined;
    started = await startAuthServer(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { info: SAMPLE_INFO };
    });
    const client = createGrpcClient(authV1.AuthServiceClient, started.address, { deadlineMs: 5_000 });
    try {
      const inFlight = unaryCall(client, 'getServiceInfo', {});
      while (!release) await sleep(5);
      const stopping = started.server.shutdown(5_000);
      await sleep(50);
      release();
      await expect(inFlight).resolves.toEqual({ info: SAMPLE_INFO });
      await stopping;

      // A handler that never completes: shutdown returns after the grace period and the call fails.
      release = undefined;
      started = await startAuthServer(() => new Promise(() => undefined));
      const client2 = createGrpcClient(authV1.AuthServiceClient, started.address, { deadlineMs: 5_000 });
      const hanging = unaryCall(client2, 'getServiceInfo', {});
      await sleep(50);
      const t0 = Date.now();
      await started.server.shutdown(200);
      expect(Date.now() - t0).toBeLessThan(1_500);
      const err = (await hanging.catch((e: unknown) => e)) as ServiceError;
      expect([Status.UNAVAILABLE, Status.CANCELLED, Status.INTERNAL]).toContain(err.code);
      client2.close();
      started = undefined;
    } finally {
      client.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { diagnosticsV1 } from '@brainmesh/contracts';
import { checkHealth, unaryCall } from '@brainmesh/grpc';
import {
  createTestDatabase,
  LogCapture,
  requireInfraEnv,
  waitFor,
  type TestDatabase,
} from '@brainmesh/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { InProcessPlatform } from '../../src/in-process-platform';

/**
 * The platform against real infrastructure: every service with its own real Postgres database,
 * events through the real Kafka broker, gRPC and HTTP over real loopback connections.
 */
describe('platform on real Postgres and Kafka', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  const databases: Record<string, TestDatabase> = {};
  let platform: InProcessPlatform;
  let gatewayUrl: string;

  beforeAll(async () => {
    for (const name of ['auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics']) {
      databases[name] = await createTestDatabase(name.replace('-', '_'), infra.pgUrl);
    }
    platform = new InProcessPlatform({
      eventBus: 'kafka',
      gatewayPort: 0,
      logLevel: 'info',
      logDestination: logs,
      serviceEnv: (name) =>
        name === 'gateway'
          ? {}
          : {
              DATABASE_URL: databases[name]!.url,
              KAFKA_BROKERS: infra.kafkaBrokers.join(','),
              DATABASE_POOL_MAX: '4',
            },
    });
    ({ gatewayUrl } = await platform.start());
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await Promise.all(Object.values(databases).map((db) => db.drop()));
  }, 60_000);

  it('every service answers grpc.health.v1 Check over a real connection', async () => {
    for (const host of platform.services) {
      await expect(checkHealth(host.address.grpcAddress)).resolves.toBe('SERVING');
    }
    expect(platform.services.map((h) => h.definition.name).sort()).toEqual([
      'ai-routing',
      'analytics',
      'auth',
      'gateway',
      'knowledge',
      'orchestrator',
    ]);
  });

  it('serves health, metrics and problem+json for unknown routes', async () => {
    const health = await fetch(`${gatewayUrl}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds');

    const missing = await fetch(`${gatewayUrl}/v1/nothing-here`, {
      headers: { 'x-request-id': 'req-404-test' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.headers.get('x-request-id')).toBe('req-404-test');
    expect(await missing.json()).toMatchObject({
      status: 404,
      title: 'Not Found',
      request_id: 'req-404-test',
    });
  });

  it('/readyz turns unready when a dependency is down and ready when it returns', async () => {
    const ready = async () => {
      const res = await fetch(`${gatewayUrl}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean }> } };
    };
    expect((await ready()).status).toBe(200);

    await platform.stopService('auth');
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.checks.auth?.ok).toBe(false);
    expect(down.body.checks.knowledge?.ok).toBe(true);

    await platform.startService('auth');
    await waitFor(async () => (await ready()).status === 200, {
      timeoutMs: 20_000,
      description: 'gateway ready again',
    });
  }, 60_000);

  it('a trace started at the gateway appears with the same trace id in a downstream log line', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const res = await fetch(`${gatewayUrl}/v1/status`, { headers: { traceparent } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; services: { name: string; status: string }[] };
    expect(body.status).toBe('ok');
    expect(body.services).toHaveLength(6);

    await waitFor(() => logs.find((l) => l.service === 'auth' && l.trace_id === traceId).length > 0, {
      timeoutMs: 5000,
      description: 'an auth log line with the trace id',
    });
    const gatewayLine = logs.find(
      (l) => l.service === 'gateway' && l.trace_id === traceId && l.msg === 'request completed',
    );
    expect(gatewayLine).toHaveLength(1);
  });

  it('an outbox event reaches another service through Kafka exactly once, across a consumer restart and redelivery', async () => {
    const tenantId = `tenant-${randomBytes(4).toString('hex')}`;
    const auth = new diagnosticsV1.DiagnosticsServiceClient(
      platform.host('auth').address.grpcAddress,
      credentials.createInsecure(),
    );
    const emit = (i: number) =>
      unaryCall<diagnosticsV1.EmitPipelineProbeRequest, diagnosticsV1.EmitPipelineProbeResponse>(
        auth,
        'emitPipelineProbe',
        {
          tenantId,
          note: `probe ${i}`,
        },
      );
    const analyticsDb = new DataSource({ type: 'postgres', url: databases.analytics!.url });
    await analyticsDb.initialize();
    const count = async () =>
      Number(
        (
          await analyticsDb.query('SELECT count(*)::int AS n FROM pipeline_probes WHERE tenant_id = $1', [
            tenantId,
          ])
        )[0].n,
      );

    try {
      // Stream probes; stop the consumer while they are still flowing.
      const total = 30;
      const emitted: string[] = [];
      for (let i = 0; i < 10; i++) emitted.push((await emit(i)).eventId);
      await waitFor(async () => (await count()) >= 3, {
        timeoutMs: 30_000,
        description: 'first probes consumed',
      });
      const stopping = platform.stopService('analytics');
      for (let i = 10; i < total; i++) emitted.push((await emit(i)).eventId);
      await stopping;
      expect(new Set(emitted).size).toBe(total);

      // Rewind the consumer group so every message is delivered again.
      const kafka = new Kafka({ brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const topic = 'brainmesh.diagnostics.v1';
      const low = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: 'analytics.pipeline-probes',
        topic,
        partitions: low.map((p) => ({ partition: p.partition, offset: p.low })),
      });
      await admin.disconnect();

      await platform.startService('analytics');
      await waitFor(async () => (await count()) === total, {
        timeoutMs: 60_000,
        description: `${total} probes recorded`,
      });
      const metrics = await platform
        .host('analytics')
        .registry.getSingleMetricAsString('events_duplicates_total');
      const duplicates = [...metrics.matchAll(/^events_duplicates_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      expect(duplicates).toBeGreaterThan(0);

      // Nothing more arrives later: still exactly one row per event.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await count()).toBe(total);
      const rows = await analyticsDb.query('SELECT event_id FROM pipeline_probes WHERE tenant_id = $1', [
        tenantId,
      ]);
      expect(rows.map((r: { event_id: string }) => r.event_id).sort()).toEqual([...emitted].sort());
    } finally {
      auth.close();
      await analyticsDb.destroy();
    }
  }, 120_000);
});

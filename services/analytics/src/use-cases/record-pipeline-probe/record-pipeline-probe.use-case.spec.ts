import { DiagnosticsProbeEvent } from '@brainmesh/events';
import { createLogger } from '@brainmesh/logging';
import { createMetricsRegistry } from '@brainmesh/telemetry';
import type { DataSource, EntityManager } from 'typeorm';
import type { ClockRepository } from '../../repositories/clock.repository';
import type { PipelineProbeRepository } from '../../repositories/pipeline-probe.repository';
import { RecordPipelineProbeUseCase } from './record-pipeline-probe.use-case';

/** A DataSource whose processed_events mark behaves like the real table (unique per group + id). */
function fakeDataSource() {
  const marks = new Set<string>();
  const manager = {
    query: jest.fn(async (_sql: string, [group, id]: string[]) => {
      const key = `${group}/${id}`;
      if (marks.has(key)) return [];
      marks.add(key);
      return [{ event_id: id }];
    }),
  } as unknown as EntityManager;
  return {
    transaction: jest.fn(async (work: (m: EntityManager) => Promise<unknown>) => work(manager)),
  } as unknown as DataSource;
}

describe('RecordPipelineProbeUseCase', () => {
  const now = new Date('2026-11-23T12:00:01.500Z');
  const probes = { insert: jest.fn() } as unknown as jest.Mocked<PipelineProbeRepository>;
  const clock = { now: () => now } as ClockRepository;
  const registry = createMetricsRegistry('analytics', { defaultMetrics: false });
  const useCase = new RecordPipelineProbeUseCase(
    fakeDataSource(),
    probes,
    clock,
    registry,
    createLogger({ service: 'analytics', level: 'silent' }),
  );

  it('records a probe once with its lag, and skips redeliveries', async () => {
    const envelope = {
      ...DiagnosticsProbeEvent.create('tenant-1', { service: 'auth', note: 'hi' }),
      occurredAt: '2026-11-23T12:00:00.000Z',
    };
    await useCase.execute(envelope);
    await useCase.execute(envelope);
    expect(probes.insert).toHaveBeenCalledTimes(1);
    expect(probes.insert.mock.calls[0]![1]).toEqual({
      eventId: envelope.id,
      tenantId: 'tenant-1',
      sourceService: 'auth',
      note: 'hi',
      occurredAt: new Date('2026-11-23T12:00:00.000Z'),
      receivedAt: now,
      lagMs: 1500,
    });
    expect(await registry.getSingleMetricAsString('events_duplicates_total')).toMatch(
      /group="analytics.pipeline-probes".* 1$/m,
    );
  });

  it('rejects an envelope that is not a valid probe', async () => {
    await expect(
      useCase.execute({
        ...DiagnosticsProbeEvent.create('t', { service: 'auth', note: '' }),
        data: { nope: 1 },
      }),
    ).rejects.toThrow();
  });
});

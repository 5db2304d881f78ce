import { Inject, Injectable } from '@nestjs/common';
import { DiagnosticsProbeEvent, IdempotentConsumer, type EventEnvelope } from '@brainmesh/events';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY } from '@brainmesh/runtime';
import type { Registry } from '@brainmesh/telemetry';
import { DataSource } from 'typeorm';
import { ClockRepository } from '../../repositories/clock.repository';
import { PipelineProbeRepository } from '../../repositories/pipeline-probe.repository';

export const PIPELINE_PROBE_GROUP = 'analytics.pipeline-probes';

/** Records a received diagnostics probe exactly once, however often the bus delivers it. */
@Injectable()
export class RecordPipelineProbeUseCase {
  private readonly consumer: IdempotentConsumer;

  constructor(
    dataSource: DataSource,
    private readonly probes: PipelineProbeRepository,
    private readonly clock: ClockRepository,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.consumer = new IdempotentConsumer({
      dataSource,
      consumerGroup: PIPELINE_PROBE_GROUP,
      service: 'analytics',
      registry,
      logger,
    });
  }

  async execute(raw: EventEnvelope<unknown>): Promise<void> {
    const envelope = DiagnosticsProbeEvent.parse(raw);
    await this.consumer.handle(envelope, async (manager) => {
      const receivedAt = this.clock.now();
      const occurredAt = new Date(envelope.occurredAt);
      await this.probes.insert(manager, {
        eventId: envelope.id,
        tenantId: envelope.tenantId,
        sourceService: envelope.data.service,
        note: envelope.data.note,
        occurredAt,
        receivedAt,
        lagMs: Math.max(0, receivedAt.getTime() - occurredAt.getTime()),
      });
    });
  }
}

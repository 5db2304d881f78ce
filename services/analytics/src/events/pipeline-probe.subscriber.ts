import { Injectable } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@brainmesh/events';
import type { EventSubscriber } from '@brainmesh/runtime';
import {
  PIPELINE_PROBE_GROUP,
  RecordPipelineProbeUseCase,
} from '../use-cases/record-pipeline-probe/record-pipeline-probe.use-case';

/** Consumes diagnostics probes from every service (consumer group analytics.pipeline-probes). */
@Injectable()
export class PipelineProbeSubscriber implements EventSubscriber {
  readonly groupId = PIPELINE_PROBE_GROUP;
  readonly topics = [TOPICS.diagnostics];

  constructor(private readonly recordProbe: RecordPipelineProbeUseCase) {}

  handle(envelope: EventEnvelope<unknown>): Promise<void> {
    return this.recordProbe.execute(envelope);
  }
}

import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { DiagnosticsProbeEvent } from '@brainmesh/events';
import { UnitOfWork } from '../events/unit-of-work.repository';
import { ServiceInfo } from '../service-info';

export const EmitPipelineProbeCommand = z.object({
  tenantId: z.string().min(1, 'tenant_id is required').max(64),
  note: z.string().max(500).default(''),
});
export type EmitPipelineProbeCommand = z.input<typeof EmitPipelineProbeCommand>;

/**
 * Writes a `diagnostics.probe` event through this service's transactional outbox, so operators
 * (and the end-to-end tests) can prove the event pipeline works: outbox -> relay -> bus -> consumer.
 */
@Injectable()
export class EmitPipelineProbeUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly info: ServiceInfo,
  ) {}

  async execute(input: EmitPipelineProbeCommand): Promise<{ eventId: string; topic: string }> {
    const command = EmitPipelineProbeCommand.parse(input);
    const envelope = DiagnosticsProbeEvent.create(command.tenantId, {
      service: this.info.service,
      note: command.note,
    });
    await this.unitOfWork.run(async (_manager, emit) => emit(envelope));
    return { eventId: envelope.id, topic: DiagnosticsProbeEvent.topic };
  }
}

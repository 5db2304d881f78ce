import { Module } from '@nestjs/common';
import { PipelineProbeSubscriber } from './events/pipeline-probe.subscriber';
import { AnalyticsGrpcHandler } from './grpc/analytics.grpc-handler';
import { ClockRepository } from './repositories/clock.repository';
import { PipelineProbeRepository } from './repositories/pipeline-probe.repository';
import { RecordPipelineProbeUseCase } from './use-cases/record-pipeline-probe/record-pipeline-probe.use-case';

@Module({
  providers: [
    AnalyticsGrpcHandler,
    ClockRepository,
    PipelineProbeRepository,
    RecordPipelineProbeUseCase,
    PipelineProbeSubscriber,
  ],
})
export class AnalyticsModule {}

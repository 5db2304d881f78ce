import { Module } from '@nestjs/common';
import { OrchestratorGrpcHandler } from './grpc/orchestrator.grpc-handler';

@Module({
  providers: [OrchestratorGrpcHandler],
})
export class OrchestratorModule {}

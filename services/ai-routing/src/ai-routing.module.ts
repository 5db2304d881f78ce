import { Module } from '@nestjs/common';
import { AiRoutingGrpcHandler } from './grpc/ai-routing.grpc-handler';

@Module({
  providers: [AiRoutingGrpcHandler],
})
export class AiRoutingModule {}

import { Module } from '@nestjs/common';
import { KnowledgeGrpcHandler } from './grpc/knowledge.grpc-handler';

@Module({
  providers: [KnowledgeGrpcHandler],
})
export class KnowledgeModule {}

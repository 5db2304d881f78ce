import { Injectable } from '@nestjs/common';
import { knowledgeV1 } from '@brainmesh/contracts';
import { ServiceInfo, unary, type GrpcHandler } from '@brainmesh/runtime';

/** KnowledgeService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class KnowledgeGrpcHandler implements GrpcHandler {
  constructor(private readonly info: ServiceInfo) {}

  readonly implementation: knowledgeV1.KnowledgeServiceServer = {
    getServiceInfo: unary(async () => ({ info: this.info.toMessage() })),
  };
}

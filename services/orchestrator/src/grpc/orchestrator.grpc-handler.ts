import { Injectable } from '@nestjs/common';
import { orchestratorV1 } from '@brainmesh/contracts';
import { ServiceInfo, unary, type GrpcHandler } from '@brainmesh/runtime';

/** OrchestratorService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class OrchestratorGrpcHandler implements GrpcHandler {
  constructor(private readonly info: ServiceInfo) {}

  readonly implementation: orchestratorV1.OrchestratorServiceServer = {
    getServiceInfo: unary(async () => ({ info: this.info.toMessage() })),
  };
}

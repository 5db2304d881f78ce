import { Injectable } from '@nestjs/common';
import { ServiceInfo, unary, type GrpcHandler } from '@brainmesh/runtime';

/** AiRoutingService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class AiRoutingGrpcHandler implements GrpcHandler {
  constructor(private readonly info: ServiceInfo) {}

  readonly implementation = {
    getServiceInfo: unary(async () => ({ info: this.info.toMessage() })),
  };
}

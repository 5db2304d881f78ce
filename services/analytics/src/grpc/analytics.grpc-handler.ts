import { Injectable } from '@nestjs/common';
import { analyticsV1 } from '@brainmesh/contracts';
import { ServiceInfo, unary, type GrpcHandler } from '@brainmesh/runtime';

/** AnalyticsService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class AnalyticsGrpcHandler implements GrpcHandler {
  constructor(private readonly info: ServiceInfo) {}

  readonly implementation: analyticsV1.AnalyticsServiceServer = {
    getServiceInfo: unary(async () => ({ info: this.info.toMessage() })),
  };
}

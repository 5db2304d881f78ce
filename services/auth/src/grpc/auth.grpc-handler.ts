import { Injectable } from '@nestjs/common';
import { authV1 } from '@brainmesh/contracts';
import { ServiceInfo, unary, type GrpcHandler } from '@brainmesh/runtime';

/** AuthService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class AuthGrpcHandler implements GrpcHandler {
  constructor(private readonly info: ServiceInfo) {}

  readonly implementation: authV1.AuthServiceServer = {
    getServiceInfo: unary(async () => ({ info: this.info.toMessage() })),
  };
}

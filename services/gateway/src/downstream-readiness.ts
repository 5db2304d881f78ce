import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Readiness } from '@brainmesh/runtime';
import { DOWNSTREAM_SERVICES, DownstreamRepository } from './repositories/downstream.repository';

/** The gateway is ready only while every internal service answers its gRPC health check. */
@Injectable()
export class DownstreamReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly downstream: DownstreamRepository,
  ) {}

  onModuleInit(): void {
    for (const name of DOWNSTREAM_SERVICES) {
      this.readiness.add({ name, check: async () => (await this.downstream.health(name)) === 'SERVING' });
    }
  }
}

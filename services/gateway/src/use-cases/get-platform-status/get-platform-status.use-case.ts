import { Injectable } from '@nestjs/common';
import { ServiceInfo } from '@brainmesh/runtime';
import {
  DOWNSTREAM_SERVICES,
  DownstreamRepository,
  type DownstreamName,
} from '../../repositories/downstream.repository';

export interface ServiceStatus {
  name: string;
  status: 'up' | 'down';
  version?: string;
  instance_id?: string;
  started_at?: string;
  detail?: string;
}

/** Asks every internal service who it is (over gRPC, traced), for operators and smoke tests. */
@Injectable()
export class GetPlatformStatusUseCase {
  constructor(
    private readonly downstream: DownstreamRepository,
    private readonly self: ServiceInfo,
  ) {}

  async execute(): Promise<{ status: 'ok' | 'degraded'; services: ServiceStatus[] }> {
    const services: ServiceStatus[] = [
      {
        name: 'gateway',
        status: 'up',
        version: this.self.version,
        instance_id: this.self.instanceId,
        started_at: this.self.startedAt,
      },
      ...(await Promise.all(DOWNSTREAM_SERVICES.map((name) => this.probe(name)))),
    ];
    return { status: services.every((s) => s.status === 'up') ? 'ok' : 'degraded', services };
  }

  private async probe(name: DownstreamName): Promise<ServiceStatus> {
    try {
      const info = await this.downstream.serviceInfo(name);
      return {
        name,
        status: 'up',
        version: info?.version,
        instance_id: info?.instanceId,
        started_at: info?.startedAt,
      };
    } catch (err) {
      return { name, status: 'down', detail: err instanceof Error ? err.message : String(err) };
    }
  }
}

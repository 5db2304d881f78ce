import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Registry } from '@brainmesh/telemetry';
import type { FastifyReply } from 'fastify';
import { Readiness } from '../readiness';
import { METRICS_REGISTRY } from '../tokens';

/** Liveness, readiness and Prometheus metrics on every service's HTTP port. */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    void reply
      .status(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'unready', checks: report.checks });
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    void reply.header('content-type', this.registry.contentType).send(await this.registry.metrics());
  }
}

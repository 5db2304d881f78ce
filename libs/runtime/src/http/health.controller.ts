import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation } from '../openapi/api-operation.decorator';
import type { Registry } from '@brainmesh/telemetry';
import type { FastifyReply } from 'fastify';
import { Readiness } from '../readiness';
import { METRICS_REGISTRY } from '../tokens';

const ReadinessBody = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});

/** Liveness, readiness and Prometheus metrics on every service's HTTP port. */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('healthz')
  @ApiOperation({
    summary: 'Liveness: the process answers',
    tags: ['operations'],
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
  })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({
    summary: 'Readiness: every dependency answers and the service is not draining',
    tags: ['operations'],
    responses: {
      200: { description: 'Ready', schema: ReadinessBody },
      503: { description: 'Not ready; the failing checks are named', schema: ReadinessBody },
    },
  })
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    void reply
      .status(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'unready', checks: report.checks });
  }

  @Get('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics',
    tags: ['operations'],
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
  })
  @Header('cache-control', 'no-store')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    void reply.header('content-type', this.registry.contentType).send(await this.registry.metrics());
  }
}

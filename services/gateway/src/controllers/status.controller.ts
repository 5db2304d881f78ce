import { Controller, Get } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { ApiOperation } from '@brainmesh/runtime';
import { GetPlatformStatusUseCase } from '../use-cases/get-platform-status/get-platform-status.use-case';

const StatusOut = z.object({
  status: z.enum(['ok', 'degraded']),
  services: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['up', 'down']),
      version: z.string().optional(),
      instance_id: z.string().optional(),
      started_at: z.string().optional(),
      detail: z.string().optional(),
    }),
  ),
});

@Controller('v1/status')
export class StatusController {
  constructor(private readonly getPlatformStatus: GetPlatformStatusUseCase) {}

  @Get()
  @ApiOperation({
    summary: "Each service's version and instance, asked over gRPC",
    tags: ['operations'],
    responses: { 200: { description: 'Platform status', schema: StatusOut } },
  })
  status() {
    return this.getPlatformStatus.execute();
  }
}

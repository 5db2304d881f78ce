import { analyticsV1 } from '@brainmesh/contracts';
import { defineService } from '@brainmesh/runtime';
import { analyticsConfigSchema } from './config';
import { PipelineProbeEntity } from './entities/pipeline-probe.entity';
import { PipelineProbeSubscriber } from './events/pipeline-probe.subscriber';
import { AnalyticsGrpcHandler } from './grpc/analytics.grpc-handler';
import { analyticsMigrations } from './migrations';
import { AnalyticsModule } from './analytics.module';

/** The analytics service as the runtime hosts it (standalone by main.ts, or embedded). */
export const analyticsService = defineService({
  name: 'analytics',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: analyticsConfigSchema,
  module: AnalyticsModule,
  database: { entities: [PipelineProbeEntity], migrations: analyticsMigrations },
  grpc: [{ definition: analyticsV1.AnalyticsServiceService, handler: AnalyticsGrpcHandler }],
  subscribers: [PipelineProbeSubscriber],
});

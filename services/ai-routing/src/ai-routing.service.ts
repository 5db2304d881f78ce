import { airoutingV1 } from '@brainmesh/contracts';
import { defineService } from '@brainmesh/runtime';
import { aiRoutingConfigSchema } from './config';
import { aiRoutingEntities } from './entities';
import { AiRoutingGrpcHandler } from './grpc/ai-routing.grpc-handler';
import { aiRoutingMigrations } from './migrations';
import { AiRoutingModule } from './ai-routing.module';

/** The ai-routing service as the runtime hosts it (standalone by main.ts, or embedded). */
export const aiRoutingService = defineService({
  name: 'ai-routing',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: aiRoutingConfigSchema,
  module: AiRoutingModule,
  database: { entities: aiRoutingEntities, migrations: aiRoutingMigrations },
  grpc: [{ definition: airoutingV1.AiRoutingServiceService, handler: AiRoutingGrpcHandler }],
});

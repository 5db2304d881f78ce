import { orchestratorV1 } from '@brainmesh/contracts';
import { defineService } from '@brainmesh/runtime';
import { orchestratorConfigSchema } from './config';
import { OrchestratorGrpcHandler } from './grpc/orchestrator.grpc-handler';
import { orchestratorMigrations } from './migrations';
import { OrchestratorModule } from './orchestrator.module';

/** The orchestrator service as the runtime hosts it (standalone by main.ts, or embedded). */
export const orchestratorService = defineService({
  name: 'orchestrator',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: orchestratorConfigSchema,
  module: OrchestratorModule,
  database: { entities: [], migrations: orchestratorMigrations },
  grpc: [{ definition: orchestratorV1.OrchestratorServiceService, handler: OrchestratorGrpcHandler }],
});

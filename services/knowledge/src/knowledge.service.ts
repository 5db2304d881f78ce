import { knowledgeV1 } from '@brainmesh/contracts';
import { defineService } from '@brainmesh/runtime';
import { knowledgeConfigSchema } from './config';
import { KnowledgeGrpcHandler } from './grpc/knowledge.grpc-handler';
import { knowledgeMigrations } from './migrations';
import { KnowledgeModule } from './knowledge.module';

/** The knowledge service as the runtime hosts it (standalone by main.ts, or embedded). */
export const knowledgeService = defineService({
  name: 'knowledge',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: knowledgeConfigSchema,
  module: KnowledgeModule,
  database: { entities: [], migrations: knowledgeMigrations },
  grpc: [{ definition: knowledgeV1.KnowledgeServiceService, handler: KnowledgeGrpcHandler }],
});

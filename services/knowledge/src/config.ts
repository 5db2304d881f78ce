import type { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the knowledge service (see README "Configuration"). */
export const knowledgeConfigSchema = baseServiceConfig({ httpPort: 8083, grpcPort: 50053 });
export type KnowledgeConfig = z.output<typeof knowledgeConfigSchema>;

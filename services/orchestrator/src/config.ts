import type { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the orchestrator service (see README "Configuration"). */
export const orchestratorConfigSchema = baseServiceConfig({ httpPort: 8084, grpcPort: 50054 });
export type OrchestratorConfig = z.output<typeof orchestratorConfigSchema>;

import type { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the ai-routing service (see README "Configuration"). */
export const aiRoutingConfigSchema = baseServiceConfig({ httpPort: 8082, grpcPort: 50052 });
export type AiRoutingConfig = z.output<typeof aiRoutingConfigSchema>;

import type { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the analytics service (see README "Configuration"). */
export const analyticsConfigSchema = baseServiceConfig({ httpPort: 8085, grpcPort: 50055 });
export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>;

import type { z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the auth service (see README "Configuration"). */
export const authConfigSchema = baseServiceConfig({ httpPort: 8081, grpcPort: 50051 });
export type AuthConfig = z.output<typeof authConfigSchema>;

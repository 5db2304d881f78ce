import { authV1 } from '@brainmesh/contracts';
import { defineService } from '@brainmesh/runtime';
import { authConfigSchema } from './config';
import { AuthGrpcHandler } from './grpc/auth.grpc-handler';
import { authEntities } from './entities';
import { authMigrations } from './migrations';
import { AuthModule } from './auth.module';

/** The auth service as the runtime hosts it (standalone by main.ts, or embedded). */
export const authService = defineService({
  name: 'auth',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: authConfigSchema,
  module: AuthModule,
  database: { entities: authEntities, migrations: authMigrations },
  grpc: [{ definition: authV1.AuthServiceService, handler: AuthGrpcHandler }],
});

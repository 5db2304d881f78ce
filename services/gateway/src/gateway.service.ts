import { defineService } from '@brainmesh/runtime';
import { gatewayConfigSchema } from './config';
import { GatewayModule } from './gateway.module';

/** The gateway: the only public entry; stateless (no database), calls the services over gRPC. */
export const gatewayService = defineService({
  name: 'gateway',
  version: process.env.BRAINMESH_VERSION ?? '0.1.0',
  configSchema: gatewayConfigSchema,
  module: GatewayModule,
});

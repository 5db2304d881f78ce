export { gatewayService } from './gateway.service';
export { gatewayConfigSchema, type GatewayConfig } from './config';

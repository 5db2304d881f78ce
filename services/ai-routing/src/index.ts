export { aiRoutingService } from './ai-routing.service';
export { aiRoutingConfigSchema, type AiRoutingConfig } from './config';

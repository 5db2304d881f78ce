export { orchestratorService } from './orchestrator.service';
export { orchestratorConfigSchema, type OrchestratorConfig } from './config';

export { knowledgeService } from './knowledge.service';
export { knowledgeConfigSchema, type KnowledgeConfig } from './config';

export { ConfigError, type ConfigIssue } from './config-error';
export { loadConfig, type Env } from './load-config';
export { env } from './schemas';
export { z } from 'zod';

export { createLogger, type CreateLoggerOptions, type Logger } from './logger';
export { REDACTED, isSecretKey, redact, scrubText } from './redaction';
export {
  currentRequestContext,
  runWithRequestContext,
  setContextTenant,
  type RequestContext,
} from './request-context';

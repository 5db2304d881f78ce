import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs messages that are expected with our configuration and only worth debug level. */
const QUIET = [
  // Retries of the idempotent producer are bounded on purpose: the relay retries failed batches.
  'Limiting retries for the idempotent producer',
];

/** Routes kafkajs logs to pino; kafkajs INFO (chatty group lifecycle) becomes debug. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (QUIET.some((q) => message.startsWith(q))) return logger.debug(fields, message);
      switch (level) {
        case logLevel.ERROR:
          return logger.error(fields, message);
        case logLevel.WARN:
          return logger.warn(fields, message);
        default:
          return logger.debug(fields, message);
      }
    };
}

/** The kafkajs log level matching the pino logger's level. */
export function kafkaLogLevel(logger: Logger): logLevel {
  return logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN;
}

import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentRequestContext } from './request-context';
import { redact, scrubText } from './redaction';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Service name, on every line as `service`. */
  service: string;
  level?: LoggerOptions['level'];
  /** Where lines go; stdout by default. Tests pass a stream to capture lines. */
  destination?: DestinationStream;
  /** Extra fields on every line (e.g. instance id). */
  base?: Record<string, unknown>;
}

/**
 * A pino JSON logger whose every line carries the service, the request id and tenant id of the
 * current request (if any) and the active trace/span ids, with secrets redacted at any depth.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, ...options.base },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      mixin: () => {
        const fields: Record<string, string> = {};
        const ctx = currentRequestContext();
        if (ctx) {
          fields.request_id = ctx.requestId;
          if (ctx.tenantId) fields.tenant_id = ctx.tenantId;
        }
        const span = trace.getActiveSpan()?.spanContext();
        if (span && isSpanContextValid(span)) {
          fields.trace_id = span.traceId;
          fields.span_id = span.spanId;
        }
        return fields;
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

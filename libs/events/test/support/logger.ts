import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface CapturedLogger {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
}

/** A pino logger whose JSON lines are kept in memory for assertions. */
export function captureLogger(level: pino.Level = 'debug'): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

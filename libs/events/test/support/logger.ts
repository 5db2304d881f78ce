import pino, { type Logger } from 'pino';
import { LogCapture } from '@brainmesh/testing';

export interface CapturedLogger {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
}

/** A pino logger whose JSON lines are kept in memory (echoed when BRAINMESH_TEST_LOGS=1). */
export function captureLogger(level: pino.Level = 'debug'): CapturedLogger {
  const capture = new LogCapture();
  return { logger: pino({ level }, capture), lines: capture.lines };
}

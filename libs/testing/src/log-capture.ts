import { Writable } from 'node:stream';

/** A pino destination that keeps parsed JSON log lines in memory, for assertions on logs. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  constructor(private readonly echo = process.env.BRAINMESH_TEST_LOGS === '1') {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (!text.trim()) continue;
      if (this.echo) process.stdout.write(`${text}\n`);
      try {
        this.lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        this.lines.push({ msg: text });
      }
    }
    callback();
  }

  find(predicate: (line: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return this.lines.filter(predicate);
  }
}

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { transformFileSync } from '@swc/core';
import { parseCliArgs, runCli } from './cli';

describe('brainmesh-mock-llm CLI', () => {
  it('parses its flags, recording off by default', () => {
    expect(parseCliArgs(['--port', '8099', '--latency-ms', '5', '--chunk-delay-ms', '2'])).toEqual({
      recordRequests: false,
      port: 8099,
      latencyMs: 5,
      streamChunkDelayMs: 2,
    });
    expect(parseCliArgs(['--api-key', 'k', '--record'])).toEqual({ recordRequests: true, apiKey: 'k' });
    expect(() => parseCliArgs(['--port', 'x'])).toThrow('--port needs a non-negative integer');
    expect(() => parseCliArgs(['--nope'])).toThrow('unknown argument --nope');
  });

  it('runCli announces the URL and serves it', async () => {
    const lines: string[] = [];
    const mock = await runCli(['--latency-ms', '1'], (line) => lines.push(line));
    try {
      expect(lines).toEqual([`mock-llm listening ${mock.url}`]);
      const res = await fetch(`${mock.openaiBaseUrl}/models`);
      expect(res.status).toBe(200);
    } finally {
      await mock.close();
    }
  });

  it('runs as a process: one stdout line, answers, exits 0 on SIGTERM', async () => {
    // Compile the library to a temporary directory, as `npm run build` would.
    const out = mkdtempSync(join(tmpdir(), 'mock-llm-cli-'));
    try {
      for (const file of readdirSync(__dirname)) {
        if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
        const { code } = transformFileSync(join(__dirname, file), {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
        });
        writeFileSync(join(out, file.replace(/\.ts$/, '.js')), code);
      }
      const child = spawn(process.execPath, [join(out, 'cli.js'), '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error('CLI exited before announcing itself')));
      });
      expect(line).toMatch(/^mock-llm listening http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.slice('mock-llm listening '.length);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'cli' }] }),
      });
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0].message.content).toBe('Mock reply to: cli');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

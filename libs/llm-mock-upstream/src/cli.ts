#!/usr/bin/env node
/**
 * `brainmesh-mock-llm`: runs the mock LLM upstream as a process (benchmarks, manual testing).
 * Prints exactly one line, `mock-llm listening http://127.0.0.1:PORT`, and stops on SIGTERM/SIGINT.
 */
import { MockLlmUpstream } from './mock-llm-upstream';
import type { MockLlmUpstreamOptions } from './types';

const USAGE =
  'usage: brainmesh-mock-llm [--port N] [--latency-ms N] [--chunk-delay-ms N] [--api-key KEY] [--record]';

/** Parses the CLI flags into server options; throws with the usage text on a bad flag. */
export function parseCliArgs(argv: readonly string[]): MockLlmUpstreamOptions {
  // A long-running process must not grow without bound: recording is opt-in here.
  const options: MockLlmUpstreamOptions = { recordRequests: false };
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < 0)
      throw new Error(`${flag} needs a non-negative integer\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--port':
        options.port = number(flag, argv[++i]);
        break;
      case '--latency-ms':
        options.latencyMs = number(flag, argv[++i]);
        break;
      case '--chunk-delay-ms':
        options.streamChunkDelayMs = number(flag, argv[++i]);
        break;
      case '--api-key': {
        const key = argv[++i];
        if (!key) throw new Error(`--api-key needs a value\n${USAGE}`);
        options.apiKey = key;
        break;
      }
      case '--record':
        options.recordRequests = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return options;
}

/** Starts the server, announces it on `out`, and returns it (the caller owns shutdown). */
export async function runCli(
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<MockLlmUpstream> {
  const mock = await MockLlmUpstream.start(parseCliArgs(argv));
  out(`mock-llm listening ${mock.url}`);
  return mock;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (mock) => {
      const stop = () => {
        mock.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}

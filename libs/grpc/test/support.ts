// Test helpers for @brainmesh/grpc specs: real servers on 127.0.0.1 ephemeral ports, captured logs,
// and a JSON-encoded streaming service (the contracts have no streaming RPC yet).
import {
  makeGenericClientConstructor,
  type Client,
  type ClientReadableStream,
  type handleServerStreamingCall,
  type MethodDefinition,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';

import { GrpcServer, type GrpcServerOptions } from '../src/server';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

export const SAMPLE_INFO = {
  service: 'auth',
  version: '0.0.0-test',
  instanceId: 'instance-1',
  startedAt: '2025-01-01T00:00:00.000Z',
  embedded: true,
};

export interface Started {
  server: GrpcServer;
  address: string;
  registry: Registry;
  lines: LogLine[];
}

export async function startServer(
  register: (server: GrpcServer) => void,
  options: Partial<GrpcServerOptions> = {},
): Promise<Started> {
  const { logger, lines } = captureLogger();
  const registry = new Registry();
  const server = new GrpcServer({ name: 'test', logger, registry, ...options });
  register(server);
  const port = await server.start();
  return { server, address: `127.0.0.1:${port}`, registry, lines };
}

/**
 * The GetServiceInfo slice of AuthService: the fixture server implements just this method, so the
 * specs keep compiling as AuthService grows.
 */
export const AUTH_INFO_SERVICE = { getServiceInfo: authV1.AuthServiceService.getServiceInfo } as const;

export function startAuthServer(
  getServiceInfo: authV1.AuthServiceServer['getServiceInfo'],
  options: Partial<GrpcServerOptions> = {},
): Promise<Started> {
  return startServer((s) => s.addService(AUTH_INFO_SERVICE, { getServiceInfo }), options);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- A server-streaming test service with JSON serialization -------------------------------------

export interface CountRequest {
  upTo: number;
  failWith?: 'grpc-error' | 'crash' | 'reject';
}
export interface CountReply {
  n: number;
}

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: <T>(buf: Buffer): T => JSON.parse(buf.toString('utf8')) as T,
};

export const CounterService = {
  count: {
    path: '/brainmesh.test.v1.CounterService/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: (b: Buffer) => json.deserialize<CountRequest>(b),
    responseSerialize: json.serialize,
    responseDeserialize: (b: Buffer) => json.deserialize<CountReply>(b),
  } satisfies MethodDefinition<CountRequest, CountReply>,
} as const;

export interface CounterServer {
  [name: string]: handleServerStreamingCall<CountRequest, CountReply>;
  count: handleServerStreamingCall<CountRequest, CountReply>;
}

export interface CounterClient extends Client {
  count(request: CountRequest): ClientReadableStream<CountReply>;
}

export const CounterClient = makeGenericClientConstructor(CounterService, 'CounterService') as unknown as {
  new (...args: ConstructorParameters<typeof Client>): CounterClient;
  service: typeof CounterService;
};

/** Reads a server stream to its end: the messages, the final status and the error, if any. */
export function collect<T>(
  stream: ClientReadableStream<T>,
): Promise<{ items: T[]; status: StatusObject; error?: ServiceError }> {
  return new Promise((resolve) => {
    const items: T[] = [];
    let error: ServiceError | undefined;
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', (e: ServiceError) => (error = e));
    stream.on('status', (status: StatusObject) => resolve({ items, status, error }));
  });
}

import { performance } from 'node:perf_hooks';

import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  credentials as grpcCredentials,
  type Deadline,
  InterceptingCall,
  type Interceptor,
  type InterceptorOptions,
  Metadata,
  type MethodConfig,
  type Requester,
  type ServiceConfig,
  type ServiceDefinition,
  type ServiceError,
  status as Status,
} from '@grpc/grpc-js';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { statusName } from './errors';
import { type ClientMetrics, clientMetrics } from './metrics';
import {
  endRpcSpan,
  grpcTracer,
  injectContext,
  isServerFault,
  parseMethodPath,
  rpcSpanAttributes,
} from './tracing';

export interface GrpcClientOptions {
  /** Deadline applied to every call that has none; default 5000 ms. Covers all retry attempts. */
  deadlineMs?: number;
  /**
   * Methods safe to retry on UNAVAILABLE / RESOURCE_EXHAUSTED, by proto name (`GetServiceInfo`) or
   * ts-proto client name (`getServiceInfo`). Everything else is never retried.
   */
  idempotentMethods?: readonly string[];
  /** Total attempts for idempotent methods (first try included); default 3, grpc-js caps at 5. */
  maxAttempts?: number;
  /** prom-client registry for grpc_client_handling_seconds; default: the global registry. */
  registry?: Registry;
  /** Logs one line per failed call (warn for server faults, debug otherwise). */
  logger?: Logger;
  /** Default: insecure (plaintext). */
  credentials?: ChannelCredentials;
  /** Extra grpc-js channel options (keepalive, message sizes, ...). */
  channelOptions?: ChannelOptions;
}

/** The static side of a ts-proto (`outputServices=grpc-js`) client, e.g. `authV1.AuthServiceClient`. */
export interface GrpcClientConstructor<C extends Client> {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>): C;
  service: ServiceDefinition;
}

export const DEFAULT_DEADLINE_MS = 5_000;
export const RETRYABLE_STATUS_CODES = ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] as const;

/**
 * Creates a ts-proto generated client whose every call gets: W3C trace context injected from the
 * active OTel context and a CLIENT span, a default deadline, grpc_client_handling_seconds, and
 * grpc-js built-in retries (service config `retryPolicy`) for the listed idempotent methods only.
 */
export function createGrpcClient<C extends Client>(
  ClientCtor: GrpcClientConstructor<C>,
  address: string,
  options: GrpcClientOptions = {},
): C {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!(deadlineMs > 0)) throw new Error(`createGrpcClient: deadlineMs must be > 0 (got ${deadlineMs})`);
  const config = retryServiceConfig(
    ClientCtor.service,
    options.idempotentMethods ?? [],
    options.maxAttempts ?? 3,
  );
  const interceptor = observingInterceptor({
    deadlineMs,
    metrics: clientMetrics(options.registry),
    logger: options.logger?.child({ component: 'grpc-client', target: address }),
  });
  return new ClientCtor(address, options.credentials ?? grpcCredentials.createInsecure(), {
    ...options.channelOptions,
    'grpc.enable_retries': 1,
    'grpc.service_config': JSON.stringify(config),
    // Only our service config applies; never one published in DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
    interceptors: [interceptor],
  });
}

/** Builds the grpc-js service config with a retryPolicy for each idempotent method. */
export function retryServiceConfig(
  service: ServiceDefinition,
  idempotentMethods: readonly string[],
  maxAttempts: number,
): ServiceConfig {
  const methods = Object.entries(service).map(([key, def]) => ({
    key,
    originalName: def.originalName,
    ...parseMethodPath(def.path),
  }));
  const names = idempotentMethods.map((wanted) => {
    const found = methods.find((m) => m.key === wanted || m.method === wanted || m.originalName === wanted);
    if (!found) {
      const known = methods.map((m) => m.method).join(', ');
      throw new Error(`createGrpcClient: unknown idempotent method "${wanted}" (known: ${known})`);
    }
    return { service: found.service, method: found.method };
  });
  const methodConfig: MethodConfig[] =
    names.length > 0 && maxAttempts >= 2
      ? [
          {
            name: names,
            retryPolicy: {
              maxAttempts: Math.min(Math.floor(maxAttempts), 5),
              initialBackoff: '0.1s',
              maxBackoff: '1s',
              backoffMultiplier: 2,
              retryableStatusCodes: [...RETRYABLE_STATUS_CODES],
            },
          },
        ]
      : [];
  return { loadBalancingConfig: [], methodConfig };
}

interface InterceptorConfig {
  deadlineMs: number;
  metrics: ClientMetrics;
  logger: Logger | undefined;
}

function hasDeadline(deadline: Deadline | undefined): boolean {
  if (deadline === undefined) return false;
  return deadline instanceof Date || Number.isFinite(deadline);
}

function observingInterceptor({ deadlineMs, metrics, logger }: InterceptorConfig): Interceptor {
  return (options: InterceptorOptions, nextCall) => {
    const name = parseMethodPath(options.method_definition.path);
    const callOptions = hasDeadline(options.deadline)
      ? options
      : { ...options, deadline: Date.now() + deadlineMs };
    const requester: Requester = {
      start: (metadata, _listener, next) => {
        const parent = context.active();
        const span = grpcTracer().startSpan(
          `${name.service}/${name.method}`,
          { kind: SpanKind.CLIENT, attributes: rpcSpanAttributes(name) },
          parent,
        );
        injectContext(trace.setSpan(parent, span), metadata);
        const startedAt = performance.now();
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            const seconds = (performance.now() - startedAt) / 1000;
            metrics.handling.observe({ ...name, code: statusName(status.code) }, seconds);
            endRpcSpan(span, 'client', status.code, status.details);
            if (status.code !== Status.OK && logger) {
              const fields = {
                grpc: { ...name, code: statusName(status.code), durationMs: Math.round(seconds * 1000) },
              };
              const msg = `gRPC call ${options.method_definition.path} failed: ${status.details}`;
              if (isServerFault(status.code)) logger.warn(fields, msg);
              else logger.debug(fields, msg);
            }
            nextStatus(status);
          },
        });
      },
    };
    return new InterceptingCall(nextCall(callOptions), requester);
  };
}

type UnaryCallback = (error: ServiceError | null, response: unknown) => void;

/** Names of the unary methods of a ts-proto client (`getServiceInfo`, ...). */
export type UnaryMethodName<C> = {
  [K in keyof C & string]: C[K] extends (
    request: never,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: UnaryCallback,
  ) => ClientUnaryCall
    ? K
    : never;
}[keyof C & string];

/** Request and response types of a generated client's unary method `K`. */
type UnaryParts<C, K extends keyof C> = C[K] extends (
  request: infer Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: infer Res) => void,
) => ClientUnaryCall
  ? { request: Req; response: Res }
  : never;

export type UnaryRequest<C, K extends keyof C> = UnaryParts<C, K>['request'];
export type UnaryResponse<C, K extends keyof C> = UnaryParts<C, K>['response'];

export interface UnaryCallOptions {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  metadata?: Metadata;
  /** Cancels the call (the promise rejects with CANCELLED). */
  signal?: AbortSignal;
}

/**
 * Promise wrapper for a unary method of a ts-proto client. Rejects with the grpc-js ServiceError
 * (`code`, `details`, `metadata`) — feed it to grpcErrorToProblem at the HTTP edge.
 *
 * Inferred form (preferred): `unaryCall(authClient, 'getServiceInfo', {})` checks the method name and
 * types request and response from the client. Explicit form for loosely typed clients:
 * `unaryCall<Req, Res>(client, 'getServiceInfo', request)`.
 */
export function unaryCall<C extends Client, K extends UnaryMethodName<C>>(
  client: C,
  method: K,
  request: UnaryRequest<C, K>,
  options?: UnaryCallOptions,
): Promise<UnaryResponse<C, K>>;
export function unaryCall<Req, Res>(
  client: Client,
  method: string,
  request: Req,
  options?: UnaryCallOptions,
): Promise<Res>;
export function unaryCall(
  client: Client,
  method: string,
  request: unknown,
  options: UnaryCallOptions = {},
): Promise<unknown> {
  type Fn = (
    request: unknown,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: unknown) => void,
  ) => ClientUnaryCall;
  const fn: unknown = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError(`unaryCall: the client has no method "${method}"`));
  }
  const callOptions: Partial<CallOptions> =
    options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };

  return new Promise<unknown>((resolve, reject) => {
    const { signal } = options;
    let onAbort: (() => void) | undefined;
    const call = (fn as Fn).call(
      client,
      request,
      options.metadata ?? new Metadata(),
      callOptions,
      (error, response) => {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response);
      },
    );
    if (signal) {
      onAbort = () => call.cancel();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

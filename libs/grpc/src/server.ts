import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

import {
  type ChannelOptions,
  type Deadline,
  Metadata,
  type MethodDefinition,
  ResponderBuilder,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerListenerBuilder,
  type ServerMethodDefinition,
  type ServiceDefinition,
  type ServiceError,
  type StatusObject,
  status as Status,
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { GrpcError, isRecord, statusName } from './errors';
import { HEALTH_SERVICE_NAME, HealthService, type ServingStatus } from './health';
import { type ServerMetrics, serverMetrics } from './metrics';
import {
  endRpcSpan,
  extractContext,
  grpcTracer,
  isServerFault,
  type MethodName,
  parseMethodPath,
  rpcSpanAttributes,
} from './tracing';

export interface GrpcServerOptions {
  /** Logical service name, used in logs (e.g. "auth"). */
  name: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 (default) picks an ephemeral port, returned by start(). */
  port?: number;
  logger: Logger;
  /** prom-client registry for grpc_server_* metrics; default: the prom-client global registry. */
  registry?: Registry;
  /** Default: insecure (plaintext, for in-cluster traffic behind mTLS sidecars or localhost). */
  credentials?: ServerCredentials;
  /** Extra grpc-js server options (keepalive, message size limits, ...). */
  channelOptions?: ChannelOptions;
  /** Health status set for '' and every registered service when start() succeeds; default SERVING. */
  initialStatus?: ServingStatus;
}

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : unknown;
type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : unknown;

/** The grpc-js handler type of one method definition (untyped when the streaming flags are not literal). */
export type HandlerOf<M> = M extends { requestStream: infer ReqS; responseStream: infer ResS }
  ? boolean extends ReqS | ResS
    ? UntypedHandleCall
    : ReqS extends true
      ? ResS extends true
        ? handleBidiStreamingCall<RequestOf<M>, ResponseOf<M>>
        : handleClientStreamingCall<RequestOf<M>, ResponseOf<M>>
      : ResS extends true
        ? handleServerStreamingCall<RequestOf<M>, ResponseOf<M>>
        : handleUnaryCall<RequestOf<M>, ResponseOf<M>>
  : never;

/** The implementation a service definition needs, e.g. `authV1.AuthServiceServer` for `AuthServiceService`. */
export type ImplementationOf<D> = { [K in keyof D]: HandlerOf<D[K]> };

/** Message sent to callers for any error that is not a GrpcError; the real error is only logged. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Per-call state shared between the interceptor (observability) and the handler wrapper (errors). */
interface CallState {
  name: MethodName;
  /** The original error a handler failed with when it was replaced by INTERNAL. */
  internalError?: unknown;
}

const callStorage = new AsyncLocalStorage<CallState>();
const normalizedErrors = new WeakSet<object>();

type Respond = (error: unknown, value?: unknown, trailer?: Metadata, flags?: number) => void;
type UnaryLikeHandler = (call: unknown, callback: Respond) => unknown;
type StreamingCall = { emit(event: string | symbol, ...args: unknown[]): boolean };
type StreamingHandler = (call: StreamingCall) => unknown;

/**
 * gRPC server on @grpc/grpc-js with standard health, W3C trace propagation, Prometheus metrics and
 * error mapping on every call (unary and streaming):
 * - a server interceptor activates the caller's trace context with a SERVER span around the
 *   handler, records grpc_server_started_total / grpc_server_handling_seconds{service,method,code}
 *   and logs one line per call (info on success, warn/error on failure);
 * - each handler is wrapped so a thrown/rejected/returned {@link GrpcError} sends its status and
 *   problem details, while any other error becomes INTERNAL with a generic message.
 */
export class GrpcServer {
  private readonly server: Server;
  private readonly health = new HealthService();
  private readonly services = new Set<string>();
  private readonly logger: Logger;
  private readonly metrics: ServerMetrics;
  private boundPort: number | undefined;
  private startPromise: Promise<number> | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(private readonly options: GrpcServerOptions) {
    this.logger = options.logger.child({ component: 'grpc-server', grpcServer: options.name });
    this.metrics = serverMetrics(options.registry);
    this.server = new Server({ ...options.channelOptions, interceptors: [this.interceptor] });
    this.health.addToServer(this.server);
  }

  /** Bound port once start() resolved. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** `host:port` once started, usable as a client address. */
  get address(): string | undefined {
    return this.boundPort === undefined ? undefined : formatAddress(this.host, this.boundPort);
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /**
   * Registers a service, e.g. `addService(authV1.AuthServiceService, handler)`: the implementation is
   * typed from the definition (an `authV1.AuthServiceServer` fits). Handlers may also be async and
   * return the response (unary / client-streaming) instead of calling the callback.
   */
  addService<D extends ServiceDefinition>(definition: D, implementation: ImplementationOf<D>): this {
    if (this.startPromise) throw new Error(`gRPC server ${this.options.name}: addService() after start()`);
    const wrapped: UntypedServiceImplementation = {};
    let serviceName: string | undefined;
    for (const [key, method] of Object.entries(definition) as Array<
      [string, MethodDefinition<unknown, unknown>]
    >) {
      serviceName ??= parseMethodPath(method.path).service;
      const impl = implementation as UntypedServiceImplementation;
      const handler = impl[key] ?? (method.originalName ? impl[method.originalName] : undefined);
      if (handler) wrapped[key] = wrapHandler(method, handler, this.logger);
    }
    this.server.addService(definition, wrapped);
    if (serviceName) {
      this.services.add(serviceName);
      this.health.setStatus(serviceName, 'NOT_SERVING');
    }
    return this;
  }

  /** Binds and starts serving; resolves with the bound port. Sets the initial health status. */
  start(): Promise<number> {
    this.startPromise ??= new Promise<number>((resolve, reject) => {
      const credentials = this.options.credentials ?? ServerCredentials.createInsecure();
      this.server.bindAsync(formatAddress(this.host, this.options.port ?? 0), credentials, (err, port) => {
        if (err) {
          reject(err);
          return;
        }
        this.boundPort = port;
        this.setServingStatus(this.options.initialStatus ?? 'SERVING');
        this.logger.info({ address: this.address, services: [...this.services] }, 'gRPC server listening');
        resolve(port);
      });
    });
    return this.startPromise;
  }

  /** Sets the health status of '' (whole server) and of every registered service. */
  setServingStatus(status: ServingStatus): void {
    this.health.setStatus('', status);
    for (const service of this.services) this.health.setStatus(service, status);
  }

  /**
   * Graceful stop: health NOT_SERVING (pushed to watchers, whose streams are then completed), stop
   * accepting calls and wait for in-flight ones (`tryShutdown`), `forceShutdown` after `graceMs`.
   * Idempotent.
   */
  shutdown(graceMs = 10_000): Promise<void> {
    this.shutdownPromise ??= new Promise<void>((resolve) => {
      this.setServingStatus('NOT_SERVING');
      this.health.endWatches();
      const timer = setTimeout(() => {
        this.logger.warn({ graceMs }, 'gRPC graceful shutdown timed out; forcing');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown((err) => {
        clearTimeout(timer);
        if (err) {
          this.logger.warn({ err }, 'gRPC graceful shutdown failed; forcing');
          this.server.forceShutdown();
        }
        this.logger.info('gRPC server stopped');
        resolve();
      });
    });
    return this.shutdownPromise;
  }

  private readonly interceptor: ServerInterceptor = (
    descriptor: ServerMethodDefinition<unknown, unknown>,
    call: ServerInterceptingCallInterface,
  ) => {
    if (descriptor.path.startsWith(`/${HEALTH_SERVICE_NAME}/`)) return new ServerInterceptingCall(call);

    const state: CallState = { name: parseMethodPath(descriptor.path) };
    const labels = { service: state.name.service, method: state.name.method };
    const startedAt = performance.now();
    this.metrics.started.inc(labels);
    let span: Span | undefined;
    let ctx: Context = ROOT_CONTEXT;
    let finished = false;

    const finish = (code: Status, details: string): void => {
      if (finished) return;
      finished = true;
      const seconds = (performance.now() - startedAt) / 1000;
      this.metrics.handling.observe({ ...labels, code: statusName(code) }, seconds);
      if (span) {
        if (state.internalError !== undefined) span.recordException(toException(state.internalError));
        endRpcSpan(span, 'server', code, code === Status.OK ? undefined : details);
      }
      const traceIds: Record<string, string> = span
        ? { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId }
        : {};
      if (code !== Status.OK) this.logFailure(descriptor.path, state, code, details, seconds, traceIds);
      else
        this.logger.info(
          { grpc: callFields(state, code, seconds), ...traceIds },
          `gRPC ${descriptor.path} completed`,
        );
    };
    // Everything the handler runs synchronously (and, with an async context manager, everything it
    // awaits) sees the caller's trace context and this call's state.
    const run = (fn: () => void): void => context.with(ctx, () => callStorage.run(state, fn));

    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const parent = extractContext(metadata);
        span = grpcTracer().startSpan(
          `${state.name.service}/${state.name.method}`,
          { kind: SpanKind.SERVER, attributes: rpcSpanAttributes(state.name) },
          parent,
        );
        ctx = trace.setSpan(parent, span);
        run(() => next(metadata));
      })
      .withOnReceiveMessage((message, next) => run(() => next(message)))
      .withOnReceiveHalfClose((next) => run(() => next()))
      // grpc-js also notifies cancel after a normal completion; `finished` makes that a no-op.
      .withOnCancel(() =>
        finish(
          deadlineReached(call.getDeadline()) ? Status.DEADLINE_EXCEEDED : Status.CANCELLED,
          'call cancelled',
        ),
      )
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        finish(status.code ?? Status.UNKNOWN, status.details ?? '');
        next(status);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };

  private logFailure(
    path: string,
    state: CallState,
    code: Status,
    details: string,
    seconds: number,
    traceIds: Record<string, string>,
  ): void {
    const grpc = callFields(state, code, seconds);
    if (state.internalError !== undefined) {
      this.logger.error(
        { grpc, ...traceIds, err: state.internalError },
        `gRPC ${path} failed with an unexpected error`,
      );
    } else if (isServerFault(code)) {
      this.logger.error({ grpc, ...traceIds }, `gRPC ${path} failed: ${details}`);
    } else {
      this.logger.warn({ grpc, ...traceIds }, `gRPC ${path} failed: ${details}`);
    }
  }
}

/** The fields of the one log line written per call (access log on success, failure otherwise). */
function callFields(state: CallState, code: Status, seconds: number) {
  return {
    service: state.name.service,
    method: state.name.method,
    code: statusName(code),
    durationMs: Math.round(seconds * 1000),
  };
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Treats a cancel within 100 ms of the deadline as DEADLINE_EXCEEDED (the client gives up first). */
function deadlineReached(deadline: Deadline): boolean {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) && ms - Date.now() <= 100;
}

function toException(err: unknown): Error | string {
  return err instanceof Error ? err : String(err);
}

function statusError(status: StatusObject): ServiceError {
  const err = Object.assign(new Error(status.details), status);
  normalizedErrors.add(err);
  return err;
}

/**
 * What the caller receives for a handler failure: a GrpcError's own status; a plain status object
 * (the grpc-js idiom `callback({ code, details })`) as is; anything else, including Error instances
 * carrying a code (e.g. a ServiceError from a downstream call), becomes INTERNAL.
 */
function toServiceError(
  err: unknown,
  state: CallState | undefined,
  path: string,
  logger: Logger,
): ServiceError {
  if (isRecord(err) && normalizedErrors.has(err)) return err as unknown as ServiceError;
  if (err instanceof GrpcError && err.code !== Status.OK) return statusError(err.toStatus());
  if (
    isRecord(err) &&
    !(err instanceof Error) &&
    typeof err.code === 'number' &&
    err.code !== Status.OK &&
    err.code in Status
  ) {
    return statusError({
      code: err.code,
      details: typeof err.details === 'string' ? err.details : statusName(err.code),
      metadata: err.metadata instanceof Metadata ? err.metadata : new Metadata(),
    });
  }
  if (state) state.internalError = err;
  else logger.error({ err, grpc: { path } }, `gRPC ${path} failed with an unexpected error`);
  return statusError({ code: Status.INTERNAL, details: INTERNAL_ERROR_MESSAGE, metadata: new Metadata() });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return isRecord(value) && typeof value.then === 'function';
}

/**
 * Runs a handler, routing a synchronous throw or a rejected returned promise to `fail`, and the
 * value a returned promise resolves to (if not undefined) to `succeed`.
 */
function invoke(run: () => unknown, fail: (err: unknown) => void, succeed?: (value: unknown) => void): void {
  try {
    const result = run();
    if (isPromiseLike(result)) {
      result.then((value) => {
        if (value !== undefined) succeed?.(value);
      }, fail);
    }
  } catch (err) {
    fail(err);
  }
}

function wrapHandler(
  method: MethodDefinition<unknown, unknown>,
  handler: UntypedHandleCall,
  logger: Logger,
): UntypedHandleCall {
  if (!method.responseStream) {
    // Unary and client-streaming: (call, callback).
    const fn = handler as UnaryLikeHandler;
    const wrapped: UnaryLikeHandler = (call, callback) => {
      const state = callStorage.getStore();
      let responded = false;
      const respond: Respond = (error, value, trailer, flags) => {
        if (responded) return;
        responded = true;
        if (error === null || error === undefined) {
          callback(null, value, trailer, flags);
          return;
        }
        const serviceError = toServiceError(error, state, method.path, logger);
        if (trailer) serviceError.metadata.merge(trailer);
        callback(serviceError);
      };
      // Besides the callback, an async handler may simply return (resolve with) its response.
      invoke(
        () => fn(call, respond),
        (err) => respond(err ?? new Error('handler rejected without a reason')),
        (value) => respond(null, value),
      );
    };
    return wrapped as UntypedHandleCall;
  }

  // Server-streaming and bidi: errors surface as an 'error' event on the call (emitted by the
  // handler, by destroy(err), or by us for throws/rejections); normalize them before grpc-js reads them.
  const fn = handler as StreamingHandler;
  const wrapped: StreamingHandler = (call) => {
    const state = callStorage.getStore();
    const emit = call.emit.bind(call);
    call.emit = (event: string | symbol, ...args: unknown[]): boolean =>
      event === 'error'
        ? emit('error', toServiceError(args[0], state, method.path, logger))
        : emit(event, ...args);
    invoke(
      () => fn(call),
      (err) => call.emit('error', err ?? new Error('handler rejected without a reason')),
    );
  };
  return wrapped as UntypedHandleCall;
}

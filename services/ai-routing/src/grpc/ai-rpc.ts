import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerWritableStream,
} from '@grpc/grpc-js';
import type { airoutingV1 } from '@brainmesh/contracts';
import { toGrpcError, unary } from '@brainmesh/runtime';
import { SpendLoadError } from '../admission';
import { AiError, AiErrorCode, toAiGrpcError } from '../domain/ai-error';
import type { ChatSink } from '../services/chat-sink';
import { toCallUsage, toRoutingInfo } from './ai-routing.mappers';

function translate(err: unknown): unknown {
  if (err instanceof AiError) return toAiGrpcError(err);
  if (err instanceof SpendLoadError)
    return toAiGrpcError(
      new AiError(AiErrorCode.UpstreamFailed, 'Budgets cannot be checked right now; retry shortly.'),
    );
  return toGrpcError(err);
}

/** `unary()` plus the translation of domain errors (AiError) to gRPC status with problem details. */
export function rpc<Req, Res>(
  fn: (request: Req, metadata: Metadata) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return unary(async (request: Req, metadata: Metadata) => {
    try {
      return await fn(request, metadata);
    } catch (err) {
      throw translate(err);
    }
  });
}

/** The abort reason of a cancelled call: one shared object (no DOMException and stack per call). */
const CANCELLED_REASON = Object.freeze({ name: 'Cancelled', message: 'the caller cancelled the call' });

/** A unary call that is cancelled (client gone, deadline) through an AbortSignal. */
export function cancellableRpc<Req, Res>(
  fn: (request: Req, signal: AbortSignal) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    let finished = false;
    call.on('cancelled', () => {
      if (!finished) controller.abort(CANCELLED_REASON);
    });
    return rpc<Req, Res>((request) =>
      fn(request, controller.signal).finally(() => {
        finished = true;
      }),
    )(call, callback);
  };
}

type ChatCall = ServerWritableStream<
  airoutingV1.CreateChatCompletionRequest,
  airoutingV1.CreateChatCompletionResponse
>;

/**
 * The server-streaming chat call: a ChatSink writing to the gRPC stream with backpressure (a write
 * the transport cannot take waits for 'drain'), an AbortSignal fired when the caller cancels, and
 * domain errors sent as the call's status (also after the first message: the gateway then ends the
 * client's stream with an error event).
 */
export function chatStream(
  fn: (
    request: airoutingV1.CreateChatCompletionRequest,
    sink: ChatSink,
    signal: AbortSignal,
  ) => Promise<void>,
): handleServerStreamingCall<
  airoutingV1.CreateChatCompletionRequest,
  airoutingV1.CreateChatCompletionResponse
> {
  return (call: ChatCall) => {
    const controller = new AbortController();
    let finished = false;
    const cancelled = () => new AiError(AiErrorCode.Cancelled, 'The client cancelled the request.');
    call.on('cancelled', () => {
      if (!finished) controller.abort(CANCELLED_REASON);
    });
    const write = (message: airoutingV1.CreateChatCompletionResponse): Promise<void> => {
      if (controller.signal.aborted) return Promise.reject(cancelled());
      if (call.write(message)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          controller.signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          call.off('drain', onDrain);
          reject(cancelled());
        };
        call.once('drain', onDrain);
        controller.signal.addEventListener('abort', onAbort, { once: true });
      });
    };
    const sink: ChatSink = {
      complete: (info, body, usage) =>
        void call.write({ start: toRoutingInfo(info), chunk: Buffer.from(body), end: toCallUsage(usage) }),
      start: (info) => void call.write({ start: toRoutingInfo(info), chunk: Buffer.alloc(0) }),
      chunk: (json) => write({ chunk: Buffer.from(json) }),
      end: (usage) => void call.write({ chunk: Buffer.alloc(0), end: toCallUsage(usage) }),
    };
    fn(call.request, sink, controller.signal).then(
      () => {
        finished = true;
        call.end();
      },
      (err: unknown) => {
        finished = true;
        if (controller.signal.aborted) return; // nobody is listening any more
        call.emit('error', translate(err));
      },
    );
  };
}

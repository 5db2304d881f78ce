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
type ChatMessage = airoutingV1.CreateChatCompletionResponse;

/** A batch this large leaves at once instead of at the end of the tick. */
const MAX_BATCH_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The server-streaming chat call: a ChatSink writing to the gRPC stream, an AbortSignal fired when
 * the caller cancels, and domain errors sent as the call's status (also after the first message:
 * the gateway then ends the client's stream with an error event).
 *
 * Streaming output is coalesced for callers that ask for it (`batch_chunks`): start, the chunks and
 * end that are produced in the same tick (one upstream read usually holds several chunks) leave as
 * ONE message on `setImmediate`, or at once
 * when the batch exceeds {@link MAX_BATCH_BYTES}. Backpressure is kept: once a write finds the
 * transport full, `chunk()` resolves only after 'drain' (and rejects when the caller cancels).
 * Whatever is pending is flushed before the call's status, so a failing stream still delivers the
 * chunks produced before the failure.
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
    const { signal } = controller;
    let finished = false;
    const cancelled = () => new AiError(AiErrorCode.Cancelled, 'The client cancelled the request.');
    call.on('cancelled', () => {
      if (!finished) controller.abort(CANCELLED_REASON);
    });

    const batching = call.request.batchChunks === true;
    let batch: ChatMessage | undefined;
    let batchBytes = 0;
    let scheduled: NodeJS.Immediate | undefined;
    let congested = false; // a write returned false and 'drain' has not come yet
    call.on('drain', () => {
      congested = false;
    });
    const flush = () => {
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      const message = batch;
      batch = undefined;
      batchBytes = 0;
      if (message && !signal.aborted && !call.write(message)) congested = true;
    };
    const pending = (): ChatMessage => {
      if (!batch) {
        batch = { chunk: EMPTY, chunks: [] };
        scheduled = setImmediate(flush);
      }
      return batch;
    };
    const ready = (): Promise<void> => {
      if (signal.aborted) return Promise.reject(cancelled());
      if (!congested) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          call.off('drain', onDrain);
          reject(cancelled());
        };
        call.once('drain', onDrain);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    };
    const sink: ChatSink = {
      complete: (info, body, usage) =>
        void call.write({
          start: toRoutingInfo(info),
          chunk: Buffer.from(body),
          end: toCallUsage(usage),
          chunks: [],
        }),
      start: (info) => {
        pending().start = toRoutingInfo(info);
      },
      chunk: (json) => {
        if (signal.aborted) return Promise.reject(cancelled());
        const bytes = Buffer.from(json);
        if (batching) pending().chunks.push(bytes);
        else {
          // A caller that does not read `chunks` (an older gateway): one chunk per event, in `chunk`.
          if (batch && batch.chunk.length > 0) flush();
          pending().chunk = bytes;
        }
        batchBytes += bytes.length;
        if (batchBytes >= MAX_BATCH_BYTES) flush();
        return ready();
      },
      end: (usage) => {
        pending().end = toCallUsage(usage);
      },
    };
    fn(call.request, sink, signal).then(
      () => {
        finished = true;
        flush();
        call.end();
      },
      (err: unknown) => {
        finished = true;
        flush(); // the chunks produced before the failure (nothing is written once cancelled)
        if (signal.aborted) return; // nobody is listening any more
        call.emit('error', translate(err));
      },
    );
  };
}

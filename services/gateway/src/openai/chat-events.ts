import type { airoutingV1 } from '@brainmesh/contracts';
import { ProblemException, problem, toProblem } from '@brainmesh/runtime';
import { openAiErrorOf } from './openai-error';
import { SseWriter, type ResponseHeaders, type SseSink } from './sse-writer';

/** The events of a CreateChatCompletion call as grpc-js delivers them (a readable object stream). */
export interface ChatEventSource {
  on(event: 'data', listener: (event: airoutingV1.CreateChatCompletionResponse) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** A whole (non-streaming) answer: routing, the response JSON bytes and the accounting. */
export interface CollectedChat {
  start?: airoutingV1.RoutingInfo;
  body: Buffer;
  end?: airoutingV1.CallUsage;
}

/** 502: ai-routing ended a call without a response body. */
export function noResponse(): ProblemException {
  return new ProblemException(problem(502, 'The routing service ended the call without a response.'));
}

/** The payloads of one event in order: `chunk` (if any), then `chunks` (streaming batches). */
export function chunksOf(event: airoutingV1.CreateChatCompletionResponse): readonly Buffer[] {
  return event.chunk.length > 0 ? [event.chunk, ...event.chunks] : event.chunks;
}

/**
 * Reads a non-streaming call: one event carrying start, chunk and end. The answer is complete as
 * soon as an event brings `end` (usage) after the body, so the client does not wait for
 * ai-routing's bookkeeping after it (budget settle, cache store) that precedes the call's end.
 */
export function collectChatEvents(source: ChatEventSource): Promise<CollectedChat> {
  return new Promise((resolve, reject) => {
    let start: airoutingV1.RoutingInfo | undefined;
    let end: airoutingV1.CallUsage | undefined;
    const chunks: Buffer[] = [];
    source.on('data', (event) => {
      start ??= event.start;
      for (const chunk of chunksOf(event)) if (chunk.length > 0) chunks.push(chunk);
      end = event.end ?? end;
      if (event.end && chunks.length > 0) resolve({ start, body: Buffer.concat(chunks), end });
    });
    source.on('error', reject);
    source.on('end', () =>
      chunks.length === 0 ? reject(noResponse()) : resolve({ start, body: Buffer.concat(chunks), end }),
    );
  });
}

/** How {@link streamChatEvents} talks to the HTTP side. */
export interface StreamChatOptions {
  /** The response headers (besides the event-stream ones) once the call started. */
  headers(start: airoutingV1.RoutingInfo | undefined): ResponseHeaders;
  /** Called right before the first byte is written (the framework must leave the response alone). */
  onOpen(): void;
  /** True when the call was cancelled on purpose (the client went away). */
  cancelled(): boolean;
  /** Called for a failure after the stream started (it is reported in-band, not thrown). */
  onLateError?(error: unknown, status: number): void;
}

/**
 * Relays a streaming call as OpenAI server-sent events with backpressure: when the socket buffer
 * is full the gRPC stream is paused until `drain`, so nothing is buffered beyond the stream's own
 * high-water mark. The chunks of one gRPC event leave in one write; `data: [DONE]` follows when
 * the call ends. (Ending the response at the event bringing `end` instead let a closed-loop client
 * start its next stream while this handler still waited for the call: under load that piled up
 * calls, memory and multi-second tails, so a stream ends with its call.) Resolves with the final
 * accounting when the call is over. A failure before anything was written rejects (the caller
 * answers problem+json); a failure afterwards, before `end`, ends the stream with one
 * `data: {"error": …}` event.
 */
export function streamChatEvents(
  source: ChatEventSource,
  sink: SseSink,
  options: StreamChatOptions,
): Promise<airoutingV1.CallUsage | undefined> {
  const writer = new SseWriter(sink);
  return new Promise((resolve, reject) => {
    let usage: airoutingV1.CallUsage | undefined;
    let settled = false;
    let waitingForDrain = false;
    const onDrain = () => {
      waitingForDrain = false;
      source.resume();
    };
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (waitingForDrain) sink.removeListener('drain', onDrain);
      outcome();
    };
    const open = (start: airoutingV1.RoutingInfo | undefined) => {
      const headers = options.headers(start);
      options.onOpen();
      writer.open(headers);
    };

    source.on('data', (event) => {
      if (settled) return;
      if (!writer.opened) open(event.start);
      const chunks = chunksOf(event);
      if (event.end) usage = event.end;
      if (chunks.length === 0 || writer.closed) return;
      if (!writer.data(chunks) && !waitingForDrain) {
        waitingForDrain = true;
        source.pause();
        sink.once('drain', onDrain);
      }
    });
    source.on('end', () =>
      settle(() => {
        if (!writer.opened) return reject(noResponse());
        writer.done();
        resolve(usage);
      }),
    );
    source.on('error', (error) =>
      settle(() => {
        if (!writer.opened) return reject(error);
        if (options.cancelled() || writer.closed) {
          writer.abort();
          return resolve(usage);
        }
        const { problem: mapped } = toProblem(error);
        options.onLateError?.(error, mapped.status);
        // After `end` the answer is complete: a failure of the bookkeeping that follows is logged,
        // not shown to the client.
        if (usage) writer.done();
        else writer.fail(openAiErrorOf(mapped, '/v1/chat/completions'));
        resolve(usage);
      }),
    );
  });
}

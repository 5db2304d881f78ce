/** Which wire format a request was spoken in (decided by its path). */
export type MockProvider = 'openai' | 'azure-openai' | 'anthropic';

/**
 * A programmable failure, consumed by the next matching request (see `MockLlmUpstream.enqueueFault`).
 * Faults apply after the request body was read and before authentication and validation.
 */
export type MockFault =
  /** Answer normally, `ms` later (added to the default latency). */
  | { type: 'latency'; ms: number }
  /**
   * Answer with this HTTP status and an error body in the provider's format; `retryAfterS` sets
   * `retry-after`, `retryAfterMs` sets `retry-after-ms` (both may be given).
   */
  | { type: 'status'; status: number; retryAfterS?: number; retryAfterMs?: number; message?: string }
  /** Destroy the socket (TCP RST) without answering. */
  | { type: 'reset' }
  /**
   * Send the 200 head and the first `afterChunks` SSE events (non-streaming: part of the JSON body),
   * then destroy the socket.
   */
  | { type: 'cut-stream'; afterChunks: number }
  /**
   * Streaming only: send `afterChunks` events, then the provider's in-stream error event (OpenAI
   * `data: {"error":…}`, Anthropic `event: error`) and end the response cleanly.
   */
  | { type: 'stream-error'; afterChunks: number; message?: string }
  /** Never answer; the request stays open until the client goes away (or the mock closes). */
  | { type: 'hang' };

/** Which requests a queued fault applies to. */
export interface MockFaultOptions {
  /** Only requests for this upstream model (Azure: deployment name); any request when omitted. */
  model?: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

/** What the reply function gets to build the assistant's text. */
export interface MockReplyContext {
  provider: MockProvider;
  /** Upstream model (Azure: deployment name). */
  model: string;
  /** Text of the last user message (text parts joined by a space), '' if none. */
  lastUserText: string;
  /** Text of the tool result when the conversation ends with one (OpenAI `tool`, Anthropic `tool_result`). */
  lastToolResult?: string;
  /** The parsed request body. */
  body: Readonly<Record<string, unknown>>;
}

/** Options of {@link MockLlmUpstream.start}. */
export interface MockLlmUpstreamOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** When set, requests must carry it (`Authorization: Bearer`, Azure `api-key`, Anthropic `x-api-key`). */
  apiKey?: string;
  /** Latency added before every answer (default 0); `setLatency` changes it at runtime. */
  latencyMs?: number;
  /** Delay between SSE events (default 0: the whole stream is written at once). */
  streamChunkDelayMs?: number;
  /** How a reply text is split into stream deltas (default: words, each with its leading space). */
  streamChunks?: (reply: string) => string[];
  /** The assistant text (default `Mock reply to: <last user message>`, or `Mock reply to tool result: <result>`). */
  reply?: (context: MockReplyContext) => string;
  /** Embedding size when the request has no `dimensions` (default 1536; `*-large` models 3072). */
  embeddingDimensions?: number;
  /** Ids listed by `GET /v1/models`. */
  models?: readonly string[];
  /** Keep a record of every request in `requests` (default true; turn off for long benchmarks). */
  recordRequests?: boolean;
}

/** One request as the mock saw it. */
export interface MockRequestRecord {
  /** 1-based arrival order. */
  seq: number;
  provider: MockProvider;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body (undefined for GET or unparseable bodies). */
  body: unknown;
  /** Upstream model (`body.model`; Azure: the deployment in the path). */
  model?: string;
  stream: boolean;
  /** The fault applied to it, if any. */
  fault?: MockFault;
  /** Status of the answer once its head was sent. */
  status?: number;
  /** The client closed the connection before the answer was complete (not set by reset/cut-stream faults). */
  aborted: boolean;
  /** The answer was written completely. */
  finished: boolean;
  /** Epoch ms: body received. */
  receivedAt: number;
  /** Epoch ms: answer head sent. */
  respondedAt?: number;
  /** Epoch ms: answer finished or connection closed. */
  closedAt?: number;
}

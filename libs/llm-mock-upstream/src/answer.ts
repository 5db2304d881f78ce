import type { MockReplyContext } from './types';

/** A complete JSON answer. */
export interface JsonAnswer {
  kind: 'json';
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** A `text/event-stream` answer: the serialized events, in order. */
export interface SseAnswer {
  kind: 'sse';
  headers?: Record<string, string>;
  events: string[];
  /** The provider's in-stream error event (for the `stream-error` fault). */
  errorEvent: (message: string | undefined) => string;
}

/** What a wire-format handler decides to send; the server adds latency, faults and chunk pacing. */
export type Answer = JsonAnswer | SseAnswer;

/** The server options the wire formats need, defaults applied. */
export interface FormatSettings {
  apiKey?: string;
  reply: (context: MockReplyContext) => string;
  streamChunks: (reply: string) => string[];
  embeddingDimensions?: number;
  models: readonly string[];
}

/** Serializes one SSE event (with an `event:` line when named). */
export function sseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}

/** The default reply text. */
export function defaultReply(context: MockReplyContext): string {
  return context.lastToolResult !== undefined
    ? `Mock reply to tool result: ${context.lastToolResult}`
    : `Mock reply to: ${context.lastUserText}`;
}

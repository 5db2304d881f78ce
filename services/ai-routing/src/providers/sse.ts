/**
 * An incremental `text/event-stream` parser (WHATWG SSE): bytes arrive in arbitrary pieces
 * (split inside UTF-8 sequences, lines, or CR LF pairs) and complete events come out.
 */

/** One dispatched event. `event` is 'message' when the stream named none. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Feed it chunks with `push`, collect events; `end` flushes. Lines end with LF, CR LF or CR;
 * `data:` lines of one event are joined with LF; comments (`:`) and `retry:` are ignored.
 * Deliberately lenient at the end: an event whose closing blank line never came is still
 * delivered by `end()` (a truncated payload then fails to parse where it is used).
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private skipLf = false;
  private eventType = '';
  private data: string[] = [];
  private lastId: string | undefined;

  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    if (this.skipLf && text.length > 0) {
      // The previous chunk ended with CR; an LF right after it belongs to the same line break.
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      this.skipLf = false;
    }
    const buf = this.buffer.length > 0 ? this.buffer + text : text;
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(buf.slice(start, i), events);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
    return events;
  }

  /** The stream ended: flushes a last unterminated line and a pending event. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    if (rest.length > 0) this.line(rest, events);
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) {
        const event: SseEvent = { event: this.eventType || 'message', data: this.data.join('\n') };
        if (this.lastId !== undefined) event.id = this.lastId;
        events.push(event);
      }
      this.data = [];
      this.eventType = '';
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
      // retry and unknown fields are ignored.
    }
  }
}

/**
 * The events of a byte stream, in order. Stopping the iteration early (break/throw) returns the
 * source iterator, which releases the underlying body.
 */
export async function* readSse(source: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const parser = new SseParser();
  for await (const chunk of source) {
    for (const event of parser.push(chunk)) yield event;
  }
  for (const event of parser.end()) yield event;
}

/** Helpers for this library's own specs (excluded from the build). */

/** A parsed HTTP answer. */
export interface HttpAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** POSTs JSON with node's fetch and parses the JSON answer. */
export async function postJson<T>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as T };
}

/** One SSE event as read off the wire. */
export interface WireEvent {
  event?: string;
  data: string;
}

/** POSTs JSON and reads the whole `text/event-stream` answer into events. */
export async function postSse(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; events: WireEvent[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), events: parseSseText(text) };
}

/** Splits a complete SSE text into events (`event:` and `data:` lines only). */
export function parseSseText(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const event: WireEvent = { data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('data: ')) event.data += line.slice(6);
    }
    events.push(event);
  }
  return events;
}

/** The parts of an OpenAI chat completion the specs look at. */
export interface ChatCompletionJson {
  id: string;
  object: string;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: string;
      content: string | null;
      tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
    };
    finish_reason: string;
    content_filter_results?: unknown;
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  prompt_filter_results?: unknown[];
}

/** The parts of an OpenAI chunk the specs look at. */
export interface ChunkJson {
  id: string;
  object: string;
  choices: Array<{
    index: number;
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments: string };
      }>;
    };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** An OpenAI/Azure error body. */
export interface OpenAiErrorJson {
  error: { message: string; type?: string; code: string | null; param?: string | null };
}

/** An Anthropic message. */
export interface AnthropicMessageJson {
  id: string;
  type: string;
  role: string;
  model: string;
  content: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>;
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number };
}

/** An Anthropic error body. */
export interface AnthropicErrorJson {
  type: 'error';
  error: { type: string; message: string };
}

/** An OpenAI embeddings answer. */
export interface EmbeddingsJson {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Decodes OpenAI's base64 embedding (little-endian float32). */
export function decodeBase64Embedding(value: string): number[] {
  const bytes = Buffer.from(value, 'base64');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  return out;
}

import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequestBody,
  type ChatStream,
  type EmbeddingsRequestBody,
  type EmbeddingsResponse,
  type ProviderAdapter,
  type ProviderType,
  UpstreamError,
  type UpstreamTarget,
} from '../domain/upstream';
import type { UpstreamHttpRepository, UpstreamHttpResponse } from '../repositories/upstream-http.repository';
import { upstreamErrorFromResponse, upstreamErrorFromStreamEvent } from './http-errors';
import { readSse } from './sse';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `baseUrl` without trailing slashes. */
export function trimBaseUrl(baseUrl: string): string {
  let end = baseUrl.length;
  while (end > 0 && baseUrl.charCodeAt(end - 1) === 47) end--;
  return baseUrl.slice(0, end);
}

/**
 * POSTs a JSON payload upstream (shared by the HTTP adapters) and resolves with a 2xx response
 * whose body is unread. A non-2xx answer is read and thrown as a classified UpstreamError.
 */
export async function postJsonUpstream(
  http: UpstreamHttpRepository,
  target: UpstreamTarget,
  url: string,
  headers: Record<string, string>,
  payload: unknown,
  signal: AbortSignal,
): Promise<UpstreamHttpResponse> {
  const response = await http.request({
    url,
    method: 'POST',
    headers,
    body: JSON.stringify(payload),
    signal,
  });
  if (response.status >= 200 && response.status < 300) return response;
  let bodyText = '';
  try {
    bodyText = await response.body.text();
  } catch (err) {
    // Aborted while reading the error: the abort wins. Otherwise classify by status alone.
    if (err instanceof UpstreamError && err.kind === 'cancelled') throw err;
  }
  throw upstreamErrorFromResponse({
    status: response.status,
    headers: response.headers,
    bodyText,
    providerName: target.providerName,
    secrets: [target.apiKey],
  });
}

/** Reads a whole 2xx JSON body; `protocol` when it is not a JSON object. */
export async function readJsonObject(
  response: UpstreamHttpResponse,
  target: UpstreamTarget,
): Promise<Record<string, unknown>> {
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UpstreamError('protocol', `${target.providerName} answered invalid JSON`, { cause: err });
  }
  if (!isRecord(parsed)) throw new UpstreamError('protocol', `${target.providerName} answered a non-object`);
  return parsed;
}

/**
 * The chunks of an OpenAI-style SSE stream: parsed `data:` payloads until `data: [DONE]`.
 * An error payload (`{"error":…}`) throws its classified UpstreamError; chunks with no choices and
 * no usage (Azure's leading prompt-filter annotation) are skipped; a stream that ends without
 * `[DONE]` throws `protocol` (a cut connection surfaces as `connection` from the body). After
 * `[DONE]` the rest of the body is drained so the connection can be reused.
 */
async function* openAiChunks(
  response: UpstreamHttpResponse,
  target: UpstreamTarget,
): AsyncGenerator<ChatCompletionChunk> {
  let done = false;
  for await (const event of readSse(response.body)) {
    if (done) continue;
    if (event.data === '[DONE]') {
      done = true;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch (err) {
      throw new UpstreamError('protocol', `${target.providerName} sent an invalid stream event`, {
        cause: err,
      });
    }
    if (!isRecord(parsed))
      throw new UpstreamError('protocol', `${target.providerName} sent a non-object stream event`);
    if (parsed.error !== undefined && parsed.error !== null)
      throw upstreamErrorFromStreamEvent(parsed.error, target.providerName, [target.apiKey]);
    if (!Array.isArray(parsed.choices))
      throw new UpstreamError('protocol', `${target.providerName} sent a stream event without choices`);
    if (parsed.choices.length === 0 && (parsed.usage === undefined || parsed.usage === null)) continue;
    yield parsed as ChatCompletionChunk;
  }
  if (!done) throw new UpstreamError('protocol', `${target.providerName} stream ended before [DONE]`);
}

/**
 * Shared implementation of OpenAI-wire adapters (OpenAI and Azure OpenAI differ only in URL and
 * credential header). The request body goes upstream as the client sent it, unknown fields
 * included, with `model` replaced by the target's; streams always ask for usage.
 */
export abstract class OpenAiCompatibleAdapter implements ProviderAdapter {
  abstract readonly type: ProviderType;

  constructor(protected readonly http: UpstreamHttpRepository) {}

  /** Absolute URL of an operation for this target. */
  protected abstract endpoint(target: UpstreamTarget, operation: 'chat/completions' | 'embeddings'): string;

  /** The credential header(s) for this target (none without an API key). */
  protected abstract authHeaders(target: UpstreamTarget): Record<string, string>;

  private headers(target: UpstreamTarget, stream: boolean): Record<string, string> {
    return {
      ...target.headers,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...this.authHeaders(target),
    };
  }

  async chat(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    // OpenAI rejects stream_options on a non-streaming request.
    const { stream: _stream, stream_options: _options, ...rest } = body;
    const response = await postJsonUpstream(
      this.http,
      target,
      this.endpoint(target, 'chat/completions'),
      this.headers(target, false),
      { ...rest, model: target.model },
      signal,
    );
    const json = await readJsonObject(response, target);
    if (!Array.isArray(json.choices))
      throw new UpstreamError(
        'protocol',
        `${target.providerName} answered a chat completion without choices`,
      );
    return json as ChatCompletion;
  }

  async chatStream(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatStream> {
    const payload = {
      ...body,
      model: target.model,
      stream: true,
      stream_options: { ...body.stream_options, include_usage: true },
    };
    const response = await postJsonUpstream(
      this.http,
      target,
      this.endpoint(target, 'chat/completions'),
      this.headers(target, true),
      payload,
      signal,
    );
    return { chunks: openAiChunks(response, target) };
  }

  async embed(
    target: UpstreamTarget,
    body: EmbeddingsRequestBody,
    signal: AbortSignal,
  ): Promise<EmbeddingsResponse> {
    const response = await postJsonUpstream(
      this.http,
      target,
      this.endpoint(target, 'embeddings'),
      this.headers(target, false),
      { ...body, model: target.model },
      signal,
    );
    const json = await readJsonObject(response, target);
    if (!Array.isArray(json.data))
      throw new UpstreamError('protocol', `${target.providerName} answered embeddings without data`);
    return json as unknown as EmbeddingsResponse;
  }
}

/**
 * OpenAI (and OpenAI-compatible servers): `POST ${baseUrl}/chat/completions` and
 * `${baseUrl}/embeddings` with `Authorization: Bearer <apiKey>`; `target.headers` are sent too
 * (e.g. `OpenAI-Organization`). See {@link OpenAiCompatibleAdapter} for body handling.
 */
export class OpenAiAdapter extends OpenAiCompatibleAdapter {
  readonly type = 'openai' as const;

  protected endpoint(target: UpstreamTarget, operation: 'chat/completions' | 'embeddings'): string {
    return `${trimBaseUrl(target.baseUrl)}/${operation}`;
  }

  protected authHeaders(target: UpstreamTarget): Record<string, string> {
    return target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
  }
}

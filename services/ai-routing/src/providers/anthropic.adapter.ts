import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequestBody,
  type ChatStream,
  type EmbeddingsResponse,
  type ProviderAdapter,
  UpstreamError,
  type UpstreamTarget,
} from '../domain/upstream';
import type { UpstreamHttpRepository, UpstreamHttpResponse } from '../repositories/upstream-http.repository';
import { AnthropicStreamTranslator, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation';
import { postJsonUpstream, readJsonObject, trimBaseUrl } from './openai.adapter';
import { readSse } from './sse';

/** Sent unless `target.headers` sets another `anthropic-version`. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * After message_stop the rest of the body is drained (so the connection is reused); a stream that
 * ends without message_stop throws `protocol` (a cut connection surfaces as `connection`).
 */
async function* translatedChunks(
  response: UpstreamHttpResponse,
  target: UpstreamTarget,
): AsyncGenerator<ChatCompletionChunk> {
  const translator = new AnthropicStreamTranslator(target.model, Date.now(), target.providerName);
  for await (const event of readSse(response.body)) {
    if (translator.done) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch (err) {
      throw new UpstreamError('protocol', `${target.providerName} sent an invalid stream event`, {
        cause: err,
      });
    }
    for (const chunk of translator.translate(parsed)) yield chunk;
  }
  if (!translator.done)
    throw new UpstreamError('protocol', `${target.providerName} stream ended before message_stop`);
}

/**
 * Anthropic Messages API behind the OpenAI chat shape: `POST ${baseUrl}/v1/messages` with
 * `x-api-key` and `anthropic-version`, `target.headers` added (e.g. `anthropic-beta`). The request
 * and answer are translated by anthropic-translation (see there for unsupported OpenAI fields,
 * e.g. `response_format` is only an instruction and `n` > 1 is rejected). Streams always end with a
 * usage chunk. Anthropic has no embeddings: `embed` throws `bad_request`.
 */
export class AnthropicAdapter implements ProviderAdapter {
  readonly type = 'anthropic' as const;

  constructor(private readonly http: UpstreamHttpRepository) {}

  private url(target: UpstreamTarget): string {
    const base = trimBaseUrl(target.baseUrl);
    return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
  }

  private headers(target: UpstreamTarget, stream: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'anthropic-version': ANTHROPIC_VERSION,
      ...target.headers,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    };
    if (target.apiKey) headers['x-api-key'] = target.apiKey;
    return headers;
  }

  async chat(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const payload = toAnthropicRequest(body, target.model, false);
    const response = await postJsonUpstream(
      this.http,
      target,
      this.url(target),
      this.headers(target, false),
      payload,
      signal,
    );
    return fromAnthropicMessage(await readJsonObject(response, target));
  }

  async chatStream(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatStream> {
    const payload = toAnthropicRequest(body, target.model, true);
    const response = await postJsonUpstream(
      this.http,
      target,
      this.url(target),
      this.headers(target, true),
      payload,
      signal,
    );
    return { chunks: translatedChunks(response, target) };
  }

  embed(): Promise<EmbeddingsResponse> {
    return Promise.reject(
      new UpstreamError('bad_request', 'anthropic provides no embeddings model', {
        upstreamMessage: 'anthropic provides no embeddings model',
      }),
    );
  }
}

import { randomUUID } from 'node:crypto';
import {
  UpstreamError,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequestBody,
  type ChatStream,
  type EmbeddingsRequestBody,
  type EmbeddingsResponse,
  type ProviderAdapter,
  type UpstreamTarget,
} from '../../domain/upstream';
import { countChatPromptTokens, countTokens, truncateToTokens } from '../../domain/tokens';
import { DEFAULT_DIMENSIONS, embedText, MAX_DIMENSIONS } from './hashing-embedder';
import { answerFromMessages } from './extractive-answerer';

/** Upstream model of the local extractive chat model (route `local/chat`). */
export const LOCAL_CHAT_MODEL = 'local-chat';
/** Upstream models of the local hashing embedding (route `local/embed`); `hashing-384` is an alias. */
export const LOCAL_EMBED_MODELS: readonly string[] = ['local-embed', 'hashing-384'];
/** Most inputs in one embeddings request (OpenAI's limit too). */
export const MAX_EMBEDDING_INPUTS = 2048;

type FinishReason = 'stop' | 'length';

interface Completion {
  id: string;
  created: number;
  model: string;
  content: string;
  finishReason: FinishReason;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/**
 * The built-in `local` provider: works with no API key and no network, so the embedded platform
 * (`npm start`) has a chat model and an embedding model out of the box. Deterministic.
 *
 * - `embed` (`local-embed`, alias `hashing-384`): signed feature hashing of words, word bigrams and
 *   character trigrams ({@link embedText}), 384 dimensions unless `dimensions` (1..4096) asks
 *   otherwise; `encoding_format: 'base64'` gives little-endian float32 like OpenAI. Lexical, not
 *   semantic similarity.
 * - `chat` / `chatStream` (`local-chat`): extractive answers quoting the conversation's own
 *   sentences ({@link answerFromMessages}); not a generative model. `max_tokens` /
 *   `max_completion_tokens` truncate (finish_reason `length`), `response_format` json_object (or
 *   json_schema, whose schema is not enforced) gives `{"answer": "..."}`, `n` is ignored (one
 *   choice), tools are never called (the answer is always text, finish_reason `stop`/`length`).
 * - Usage is counted with the o200k tokenizer (`domain/tokens`).
 * - Bad requests throw `UpstreamError('bad_request')` (status 400), another upstream model
 *   `not_found` (404), an aborted signal `cancelled`.
 */
export class LocalAdapter implements ProviderAdapter {
  readonly type = 'local' as const;

  async chat(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    throwIfAborted(signal);
    const c = this.complete(target, body);
    return {
      id: c.id,
      object: 'chat.completion',
      created: c.created,
      model: c.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: c.content, refusal: null },
          logprobs: null,
          finish_reason: c.finishReason,
        },
      ],
      usage: c.usage,
    };
  }

  async chatStream(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatStream> {
    throwIfAborted(signal);
    // Everything is computed before the stream is accepted, so request errors reject here.
    const c = this.complete(target, body);
    return { chunks: streamChunks(c, signal) };
  }

  async embed(
    target: UpstreamTarget,
    body: EmbeddingsRequestBody,
    signal: AbortSignal,
  ): Promise<EmbeddingsResponse> {
    throwIfAborted(signal);
    if (!LOCAL_EMBED_MODELS.includes(target.model)) {
      throw notFound(target.model, `embeddings (${LOCAL_EMBED_MODELS.join(', ')})`);
    }
    const inputs = embeddingInputs(body.input);
    const dimensions = embeddingDimensions(body.dimensions);
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      throw badRequest(`encoding_format must be "float" or "base64"`);
    }
    let promptTokens = 0;
    const data = inputs.map((text, index) => {
      promptTokens += countTokens(text);
      const vector = embedText(text, dimensions);
      return {
        object: 'embedding' as const,
        index,
        embedding: format === 'base64' ? float32Base64(vector) : Array.from(vector),
      };
    });
    return {
      object: 'list',
      data,
      model: target.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    };
  }

  private complete(target: UpstreamTarget, body: ChatRequestBody): Completion {
    if (target.model !== LOCAL_CHAT_MODEL) throw notFound(target.model, `chat (${LOCAL_CHAT_MODEL})`);
    const messages = chatMessages(body.messages);
    const maxTokens = completionLimit(body);
    const json = jsonMode(body['response_format']);
    const { text: answer } = answerFromMessages(messages);

    let content: string;
    let finishReason: FinishReason = 'stop';
    if (json) {
      ({ content, finishReason } = jsonContent(answer, maxTokens));
    } else {
      content = answer;
      if (maxTokens !== undefined) {
        const cut = truncateToTokens(answer, maxTokens);
        content = cut.text;
        if (cut.truncated) finishReason = 'length';
      }
    }
    const promptTokens = countChatPromptTokens(messages, Array.isArray(body.tools) ? body.tools : undefined);
    const completionTokens = countTokens(content);
    return {
      id: `chatcmpl-local-${randomUUID().replace(/-/g, '')}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
      content,
      finishReason,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  }
}

/**
 * Word-by-word chunks: the role first, one content delta per word (with its leading whitespace),
 * the finish chunk, then a usage chunk with no choices. Checks `signal` before every chunk.
 */
async function* streamChunks(c: Completion, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
  const chunk = (
    choices: ChatCompletionChunk['choices'],
    usage?: Completion['usage'],
  ): ChatCompletionChunk => ({
    id: c.id,
    object: 'chat.completion.chunk',
    created: c.created,
    model: c.model,
    choices,
    ...(usage === undefined ? {} : { usage }),
  });
  const delta = (d: Record<string, unknown>, finish: FinishReason | null = null) => [
    { index: 0, delta: d, logprobs: null, finish_reason: finish },
  ];

  throwIfAborted(signal);
  yield chunk(delta({ role: 'assistant', content: '' }));
  for (const piece of c.content.match(/\s*\S+/g) ?? []) {
    throwIfAborted(signal);
    yield chunk(delta({ content: piece }));
  }
  throwIfAborted(signal);
  yield chunk(delta({}, c.finishReason));
  throwIfAborted(signal);
  yield chunk([], c.usage);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new UpstreamError('cancelled', 'the local model call was cancelled');
}

function badRequest(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, { status: 400, upstreamMessage: message });
}

function notFound(model: string, what: string): UpstreamError {
  const message = `the local provider has no model "${model}" for ${what}`;
  return new UpstreamError('not_found', message, { status: 404, upstreamMessage: message });
}

function chatMessages(messages: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest('messages must be a non-empty array');
  }
  messages.forEach((message: unknown, i) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw badRequest(`messages[${i}] must be an object`);
    }
    if (typeof (message as Record<string, unknown>)['role'] !== 'string') {
      throw badRequest(`messages[${i}].role must be a string`);
    }
  });
  return messages as Array<Record<string, unknown>>;
}

/** `max_completion_tokens`, else `max_tokens`; undefined when neither is set. */
function completionLimit(body: ChatRequestBody): number | undefined {
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const value: unknown = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw badRequest(`${field} must be a positive integer`);
    }
    return value;
  }
  return undefined;
}

function jsonMode(format: unknown): boolean {
  if (format === undefined || format === null) return false;
  const type = typeof format === 'object' ? (format as Record<string, unknown>)['type'] : undefined;
  if (type === 'text') return false;
  if (type === 'json_object' || type === 'json_schema') return true;
  throw badRequest('response_format.type must be "text", "json_object" or "json_schema"');
}

/** `{"answer": ...}` within `maxTokens`: the answer is shortened so the JSON stays valid when it can. */
function jsonContent(
  answer: string,
  maxTokens: number | undefined,
): { content: string; finishReason: FinishReason } {
  const full = JSON.stringify({ answer });
  if (maxTokens === undefined || countTokens(full) <= maxTokens)
    return { content: full, finishReason: 'stop' };
  let budget = maxTokens - countTokens(JSON.stringify({ answer: '' }));
  while (budget > 0) {
    const content = JSON.stringify({ answer: truncateToTokens(answer, budget).text });
    if (countTokens(content) <= maxTokens) return { content, finishReason: 'length' };
    budget--;
  }
  // Not even the empty object fits: cut the JSON itself, as a real model would.
  return { content: truncateToTokens(full, maxTokens).text, finishReason: 'length' };
}

function embeddingInputs(input: unknown): string[] {
  const list: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) ? input : [];
  if (list.length === 0) throw badRequest('input must be a non-empty string or array of strings');
  if (list.length > MAX_EMBEDDING_INPUTS) {
    throw badRequest(`input may hold at most ${MAX_EMBEDDING_INPUTS} strings`);
  }
  list.forEach((item, i) => {
    if (typeof item === 'number' || Array.isArray(item)) {
      throw badRequest('the local provider does not accept token arrays as input; send strings');
    }
    if (typeof item !== 'string') throw badRequest(`input[${i}] must be a string`);
    if (item.length === 0) throw badRequest(`input[${i}] must not be empty`);
  });
  return list as string[];
}

function embeddingDimensions(dimensions: unknown): number {
  if (dimensions === undefined || dimensions === null) return DEFAULT_DIMENSIONS;
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > MAX_DIMENSIONS
  ) {
    throw badRequest(`dimensions must be an integer from 1 to ${MAX_DIMENSIONS}`);
  }
  return dimensions;
}

/** Little-endian float32 bytes in base64, OpenAI's `encoding_format: 'base64'`. */
function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

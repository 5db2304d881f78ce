/**
 * The contract between the routing core and the provider adapters (openai, azure-openai, anthropic,
 * local). Adapters speak OpenAI's chat/embeddings shapes on the inside and translate to and from
 * their provider's wire format; the routing core never sees provider-specific JSON.
 */

export const PROVIDER_TYPES = ['openai', 'azure-openai', 'anthropic', 'local'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Where one upstream attempt goes (a route deployment joined with its provider, secrets decrypted). */
export interface UpstreamTarget {
  providerId: string;
  providerName: string;
  type: ProviderType;
  /** e.g. `https://api.openai.com/v1`, `https://x.openai.azure.com`, `https://api.anthropic.com`; '' for local. */
  baseUrl: string;
  apiKey?: string;
  /** Extra headers sent upstream as given. */
  headers: Readonly<Record<string, string>>;
  /** azure-openai only, e.g. `2024-10-21`. */
  apiVersion?: string;
  /** Upstream model (azure-openai: deployment name). */
  model: string;
  /** Timeout of this attempt until the response head (non-streaming: until the whole body). */
  timeoutMs: number;
}

/** Token counts as reported by the provider. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** An OpenAI chat completion request body (loosely typed: unknown fields are passed through). */
export interface ChatRequestBody {
  model: string;
  messages: Array<Record<string, unknown>>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } & Record<string, unknown>;
  max_tokens?: number;
  max_completion_tokens?: number;
  tools?: unknown[];
  [field: string]: unknown;
}

/** An OpenAI `chat.completion` object. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<Record<string, unknown>>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } & Record<
    string,
    unknown
  >;
  [field: string]: unknown;
}

/** An OpenAI `chat.completion.chunk` object (one SSE `data:` payload). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<Record<string, unknown>>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  [field: string]: unknown;
}

/** An OpenAI embeddings request body. */
export interface EmbeddingsRequestBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  [field: string]: unknown;
}

/** An OpenAI embeddings response. */
export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * An upstream stream: `chunks` yields OpenAI chunks in order; the adapter always asks the provider
 * for usage, and the last chunk carries it (`usage`) when the provider reports one.
 */
export interface ChatStream {
  chunks: AsyncIterable<ChatCompletionChunk>;
}

/**
 * One provider type. `signal` aborts the upstream request (client disconnect, attempt timeout):
 * the adapter must close the upstream connection/stream promptly when it fires.
 * Failures are thrown as {@link UpstreamError}.
 */
export interface ProviderAdapter {
  readonly type: ProviderType;
  chat(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion>;
  /** Resolves once the upstream accepted the stream (2xx head); errors before that reject. */
  chatStream(target: UpstreamTarget, body: ChatRequestBody, signal: AbortSignal): Promise<ChatStream>;
  embed(
    target: UpstreamTarget,
    body: EmbeddingsRequestBody,
    signal: AbortSignal,
  ): Promise<EmbeddingsResponse>;
}

/**
 * Why an upstream attempt failed. Retryable kinds: rate_limited, server_error, timeout, connection.
 * Not retryable: the request is wrong (bad_request), the credential is wrong (auth), the model does
 * not exist upstream (not_found), the caller went away (cancelled), the provider spoke nonsense
 * (protocol: retried like a server error).
 */
export const UPSTREAM_ERROR_KINDS = [
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'protocol',
  'bad_request',
  'auth',
  'not_found',
  'cancelled',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

const RETRYABLE: ReadonlySet<UpstreamErrorKind> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'protocol',
]);

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly options: {
      /** HTTP status the provider answered with, when it answered. */
      status?: number;
      /** From the provider's Retry-After (or retry-after-ms) header. */
      retryAfterMs?: number;
      /** The provider's error message (never contains our credentials), for the client on 4xx. */
      upstreamMessage?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  get status(): number | undefined {
    return this.options.status;
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

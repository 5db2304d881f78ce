/**
 * Turning what went wrong upstream into an {@link UpstreamError}: an HTTP status with the
 * provider's error body (OpenAI, Azure and Anthropic shapes), Retry-After headers, in-stream error
 * events, and transport failures (undici / socket errors, aborts). Pure functions, no I/O.
 */
import { UpstreamError, type UpstreamErrorKind } from '../domain/upstream';

/** Response headers as undici gives them. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Longest provider message kept (they are shown to clients on 4xx). */
const MAX_MESSAGE_LENGTH = 1000;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How long the provider asks us to wait, in ms: `retry-after-ms` (Azure, OpenAI; fractional ms)
 * wins over `retry-after` (delta seconds, or an HTTP date). Undefined when absent, unparseable or
 * negative.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, nowMs: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms')?.trim();
  if (ms) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const after = header(headers, 'retry-after')?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.ceil(Number(after) * 1000);
  // An HTTP-date has a weekday and month name (Date.parse alone would take "-1" for a year).
  if (!/[a-z]/i.test(after)) return undefined;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The kind of a non-2xx status (see the error kinds in domain/upstream). */
export function kindForStatus(status: number): UpstreamErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 409 || status >= 500) return 'server_error';
  if (status === 401 || status === 403 || status === 402) return 'auth';
  if (status === 404) return 'not_found';
  if (status >= 400) return 'bad_request';
  // 1xx/3xx where a final 2xx was expected (redirects are not followed).
  return 'protocol';
}

/**
 * The kind of a provider error `type`/`code` (Anthropic `error.type`, OpenAI `error.type` or
 * `error.code`), for errors that arrive inside a 200 stream; undefined when unknown.
 */
export function kindForProviderErrorType(type: unknown): UpstreamErrorKind | undefined {
  switch (type) {
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
    case 'requests':
    case 'tokens':
      return 'rate_limited';
    case 'overloaded_error':
    case 'api_error':
    case 'timeout_error':
    case 'server_error':
      return 'server_error';
    case 'invalid_request_error':
    case 'request_too_large':
    case 'content_filter':
      return 'bad_request';
    case 'authentication_error':
    case 'permission_error':
    case 'billing_error':
    case 'invalid_api_key':
    case 'insufficient_quota':
      return 'auth';
    case 'not_found_error':
    case 'model_not_found':
      return 'not_found';
    default:
      return undefined;
  }
}

/**
 * Removes credentials from a provider message: the key itself (and long fragments of it), and
 * anything shaped like an OpenAI/Anthropic key, which OpenAI echoes (masked) on a 401.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
    // Masked echoes keep a prefix and a suffix of the key.
    if (secret.length >= 12) {
      out = out.split(secret.slice(-8)).join('[redacted]');
    }
  }
  return out.replace(/\bsk-[A-Za-z0-9_*.-]{3,}/g, 'sk-[redacted]');
}

/** The provider's error details from an error body, if it has one of the known shapes. */
export function parseProviderError(bodyText: string): { message?: string; type?: string; code?: string } {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim();
    return text ? { message: text } : {};
  }
  if (!isRecord(body)) return {};
  // OpenAI / Azure: {error:{message,type,code}}; Anthropic: {type:'error', error:{type,message}}.
  const error = isRecord(body.error) ? body.error : body;
  const message =
    typeof error.message === 'string'
      ? error.message
      : typeof body.detail === 'string'
        ? body.detail
        : typeof body.error === 'string'
          ? body.error
          : undefined;
  return {
    message,
    type: typeof error.type === 'string' ? error.type : undefined,
    code: typeof error.code === 'string' ? error.code : undefined,
  };
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/** What {@link upstreamErrorFromResponse} needs to know about a non-2xx answer. */
export interface ErrorResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body as text ('' when it could not be read). */
  bodyText: string;
  /** For the error message (never the key). */
  providerName: string;
  /** Values to scrub from the provider's message (the API key). */
  secrets?: ReadonlyArray<string | undefined>;
}

/**
 * Classifies a non-2xx answer: 429 → rate_limited (with Retry-After), 408/409/5xx (incl.
 * Anthropic's 529) → server_error, 401/402/403 → auth, 404 → not_found, other 4xx → bad_request.
 * One exception: OpenAI's 429 `insufficient_quota` is a billing problem of this deployment, so
 * it is `auth` (fail over, do not retry). `upstreamMessage` is the provider's message, scrubbed of
 * credentials and clipped.
 */
export function upstreamErrorFromResponse(response: ErrorResponse): UpstreamError {
  const { status } = response;
  const details = parseProviderError(response.bodyText);
  let kind = kindForStatus(status);
  if (status === 429 && (details.code === 'insufficient_quota' || details.type === 'insufficient_quota'))
    kind = 'auth';
  const upstreamMessage =
    details.message === undefined ? undefined : clip(redactSecrets(details.message, response.secrets));
  const retryAfterMs = parseRetryAfterMs(response.headers);
  return new UpstreamError(
    kind,
    `${response.providerName} answered HTTP ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`,
    { status, retryAfterMs, upstreamMessage },
  );
}

/**
 * An error event inside a 200 stream (OpenAI `data: {"error":…}`, Anthropic `event: error`):
 * classified by the provider's error type, server_error when unknown.
 */
export function upstreamErrorFromStreamEvent(
  error: unknown,
  providerName: string,
  secrets: ReadonlyArray<string | undefined> = [],
): UpstreamError {
  const details = isRecord(error) ? error : {};
  const kind =
    kindForProviderErrorType(details.type) ?? kindForProviderErrorType(details.code) ?? 'server_error';
  const raw = typeof details.message === 'string' ? details.message : 'error event in the stream';
  const upstreamMessage = clip(redactSecrets(raw, secrets));
  return new UpstreamError(kind, `${providerName} stream failed: ${upstreamMessage}`, { upstreamMessage });
}

const PROTOCOL_CODES = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_INFO',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * A transport failure as an UpstreamError: the signal aborted (or undici says aborted) →
 * `cancelled` (the caller tells its own timeouts apart); undici's own headers/body timeouts →
 * `timeout`; HTTP parse errors → `protocol`; anything else (ECONNRESET, ECONNREFUSED, socket
 * closed, DNS) → `connection`. UpstreamErrors pass through unchanged.
 */
export function classifyTransportError(
  err: unknown,
  signal?: AbortSignal,
  what = 'upstream request',
): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = isRecord(err) || err instanceof Error ? (err as { code?: unknown }).code : undefined;
  const name = err instanceof Error ? err.name : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  if (signal?.aborted || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || name === 'AbortError') {
    return new UpstreamError('cancelled', `${what} was aborted`, { cause: signal?.reason ?? err });
  }
  if (typeof code === 'string' && TIMEOUT_CODES.has(code))
    return new UpstreamError('timeout', `${what} timed out (${code})`, { cause: err });
  if (
    (typeof code === 'string' && (PROTOCOL_CODES.has(code) || code.startsWith('HPE_'))) ||
    name === 'HTTPParserError'
  )
    return new UpstreamError('protocol', `${what}: invalid HTTP from upstream (${detail})`, { cause: err });
  return new UpstreamError(
    'connection',
    `${what} failed: ${typeof code === 'string' ? `${code} ` : ''}${detail}`,
    {
      cause: err,
    },
  );
}

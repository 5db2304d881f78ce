import type { Problem } from '@brainmesh/runtime';

/** The `error` member OpenAI SDKs read from an error response (and from an SSE error event). */
export interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The routes answering in OpenAI's dialect (problem+json with an added OpenAI `error` member). */
export const OPENAI_ROUTES: ReadonlySet<string> = new Set([
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/models',
]);

/** Routes whose only resource is the `model` named in the body: their 404 is "no such model". */
const MODEL_ROUTES: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/embeddings']);

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function defaultCode(status: number, route: string | undefined): string | null {
  if (status === 401) return 'invalid_api_key';
  if (status === 402) return 'budget_exceeded';
  if (status === 404 && route !== undefined && MODEL_ROUTES.has(route)) return 'model_not_found';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_exceeded';
  return null;
}

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * OpenAI's `{ message, type, param, code }` for a problem answered on `route`. The message carries
 * the problem detail and each field error; `param` is the first field at fault; a `code` or `param`
 * extension member sent by the server wins over the defaults.
 */
export function openAiErrorOf(problem: Problem, route?: string): OpenAiError {
  const status = problem.status;
  const fieldErrors = problem.errors ?? [];
  const detail = problem.detail || problem.title;
  const message =
    fieldErrors.length > 0
      ? `${detail} ${fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ')}`
      : detail;
  const modelMissing = status === 404 && route !== undefined && MODEL_ROUTES.has(route);
  return {
    message,
    type: errorType(status),
    param: asString(problem.param) ?? fieldErrors[0]?.field ?? (modelMissing ? 'model' : null),
    code: asString(problem.code) ?? defaultCode(status, route),
  };
}

/**
 * Seconds for a `Retry-After` header: the `retry_after_s` extension of a 429 or 503 problem,
 * rounded up to a whole second (undefined when there is none).
 */
export function retryAfterSeconds(problem: Problem): number | undefined {
  if (problem.status !== 429 && problem.status !== 503) return undefined;
  const value = problem.retry_after_s;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.max(1, Math.ceil(value));
}

/** True for a parsed JSON value that looks like an RFC 9457 problem body. */
export function isProblemBody(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { title?: unknown }).title === 'string'
  );
}

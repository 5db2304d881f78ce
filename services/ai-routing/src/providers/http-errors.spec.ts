import { UpstreamError } from '../domain/upstream';
import {
  classifyTransportError,
  kindForStatus,
  parseProviderError,
  parseRetryAfterMs,
  redactSecrets,
  upstreamErrorFromResponse,
  upstreamErrorFromStreamEvent,
} from './http-errors';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, now)).toBe(0);
  });

  it('prefers retry-after-ms (rounded up) over retry-after', () => {
    expect(parseRetryAfterMs({ 'retry-after': '3', 'retry-after-ms': '1200.4' }, now)).toBe(1201);
    expect(parseRetryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '2' }, now)).toBe(2000);
  });

  it('is undefined when absent, negative or garbage', () => {
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '-1' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'later' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': ['4', '5'] }, now)).toBe(4000);
  });
});

describe('kindForStatus', () => {
  it.each([
    [429, 'rate_limited'],
    [408, 'server_error'],
    [409, 'server_error'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [529, 'server_error'],
    [400, 'bad_request'],
    [413, 'bad_request'],
    [422, 'bad_request'],
    [401, 'auth'],
    [402, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [302, 'protocol'],
  ])('%i → %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

describe('upstreamErrorFromResponse', () => {
  it('classifies a 429 with Retry-After and keeps the OpenAI message', () => {
    const err = upstreamErrorFromResponse({
      status: 429,
      headers: { 'retry-after': '2' },
      bodyText: JSON.stringify({
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      }),
      providerName: 'openai-main',
    });
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.kind).toBe('rate_limited');
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(2000);
    expect(err.options.upstreamMessage).toBe('Rate limit reached');
    expect(err.message).toBe('openai-main answered HTTP 429: Rate limit reached');
  });

  it('reads Anthropic and Azure error bodies', () => {
    const anthropic = upstreamErrorFromResponse({
      status: 400,
      headers: {},
      bodyText: JSON.stringify({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      }),
      providerName: 'claude',
    });
    expect(anthropic.kind).toBe('bad_request');
    expect(anthropic.options.upstreamMessage).toBe('max_tokens: Field required');
    const azure = upstreamErrorFromResponse({
      status: 404,
      headers: {},
      bodyText: JSON.stringify({
        error: {
          code: 'DeploymentNotFound',
          message: 'The API deployment for this resource does not exist.',
        },
      }),
      providerName: 'azure',
    });
    expect(azure.kind).toBe('not_found');
    expect(azure.options.upstreamMessage).toBe('The API deployment for this resource does not exist.');
    expect(parseProviderError('{"detail":"Not Found"}')).toEqual({
      message: 'Not Found',
      type: undefined,
      code: undefined,
    });
    expect(parseProviderError('<html>bad gateway</html>').message).toBe('<html>bad gateway</html>');
  });

  it('treats insufficient_quota as a failed credential, not a rate limit', () => {
    const err = upstreamErrorFromResponse({
      status: 429,
      headers: {},
      bodyText: JSON.stringify({
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      }),
      providerName: 'openai',
    });
    expect(err.kind).toBe('auth');
    expect(err.retryable).toBe(false);
  });

  it('never carries the API key, even when the provider echoes it', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz123456';
    const err = upstreamErrorFromResponse({
      status: 401,
      headers: {},
      bodyText: JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${key}. Also sk-pro*****3456.`,
          code: 'invalid_api_key',
        },
      }),
      providerName: 'openai',
      secrets: [key],
    });
    expect(err.kind).toBe('auth');
    expect(err.message).not.toContain(key);
    expect(err.message).not.toContain('3456');
    expect(err.options.upstreamMessage).toContain('[redacted]');
    expect(redactSecrets('key=abc-secret-value-1234 here', ['abc-secret-value-1234'])).toBe(
      'key=[redacted] here',
    );
  });

  it('clips very long messages', () => {
    const err = upstreamErrorFromResponse({
      status: 500,
      headers: {},
      bodyText: 'x'.repeat(5000),
      providerName: 'p',
    });
    expect(err.kind).toBe('server_error');
    expect(err.options.upstreamMessage!.length).toBeLessThanOrEqual(1001);
  });
});

describe('upstreamErrorFromStreamEvent', () => {
  it('classifies by the provider error type, server_error when unknown', () => {
    expect(upstreamErrorFromStreamEvent({ type: 'overloaded_error', message: 'Overloaded' }, 'a').kind).toBe(
      'server_error',
    );
    expect(upstreamErrorFromStreamEvent({ type: 'rate_limit_error', message: 'slow down' }, 'a').kind).toBe(
      'rate_limited',
    );
    expect(upstreamErrorFromStreamEvent({ type: 'invalid_request_error', message: 'bad' }, 'a').kind).toBe(
      'bad_request',
    );
    expect(upstreamErrorFromStreamEvent({ message: 'boom', type: null, code: null }, 'o').kind).toBe(
      'server_error',
    );
    expect(upstreamErrorFromStreamEvent('weird', 'o').message).toBe(
      'o stream failed: error event in the stream',
    );
  });
});

describe('classifyTransportError', () => {
  const codeError = (code: string, name = 'Error') =>
    Object.assign(new Error(`failed ${code}`), { code, name });

  it('maps socket errors to connection, aborts to cancelled, undici timeouts and parse errors', () => {
    expect(classifyTransportError(codeError('ECONNRESET')).kind).toBe('connection');
    expect(classifyTransportError(codeError('ECONNREFUSED')).kind).toBe('connection');
    expect(classifyTransportError(codeError('UND_ERR_SOCKET', 'SocketError')).kind).toBe('connection');
    expect(classifyTransportError(codeError('UND_ERR_ABORTED', 'AbortError')).kind).toBe('cancelled');
    expect(classifyTransportError(codeError('UND_ERR_BODY_TIMEOUT')).kind).toBe('timeout');
    expect(classifyTransportError(codeError('HPE_INVALID_CHUNK_SIZE')).kind).toBe('protocol');
    expect(classifyTransportError('strange').kind).toBe('connection');
  });

  it('says cancelled whenever the signal aborted, keeping its reason as cause', () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    controller.abort(reason);
    const err = classifyTransportError(codeError('ECONNRESET'), controller.signal);
    expect(err.kind).toBe('cancelled');
    expect(err.cause).toBe(reason);
  });

  it('passes UpstreamErrors through', () => {
    const original = new UpstreamError('protocol', 'x');
    expect(classifyTransportError(original)).toBe(original);
  });
});

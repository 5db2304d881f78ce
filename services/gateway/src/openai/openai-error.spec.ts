import { problem } from '@brainmesh/runtime';
import { isProblemBody, openAiErrorOf, retryAfterSeconds } from './openai-error';

describe('openAiErrorOf', () => {
  it.each([
    [400, 'invalid_request_error', null],
    [401, 'authentication_error', 'invalid_api_key'],
    [402, 'insufficient_quota', 'budget_exceeded'],
    [403, 'permission_error', null],
    [409, 'invalid_request_error', null],
    [413, 'invalid_request_error', 'request_too_large'],
    [415, 'invalid_request_error', null],
    [429, 'rate_limit_error', 'rate_limit_exceeded'],
    [500, 'api_error', null],
    [502, 'api_error', null],
    [503, 'api_error', null],
  ])('maps status %i to type %s and code %s', (status, type, code) => {
    expect(openAiErrorOf(problem(status, 'Something.'), '/v1/chat/completions')).toEqual({
      message: 'Something.',
      type,
      param: null,
      code,
    });
  });

  it('calls a 404 on the model routes an unknown model, and only there', () => {
    expect(openAiErrorOf(problem(404, 'No model named x.'), '/v1/embeddings')).toEqual({
      message: 'No model named x.',
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
    expect(openAiErrorOf(problem(404, 'No route.'), '/v1/models')).toMatchObject({ param: null, code: null });
  });

  it('names the first field at fault and lists every field error in the message', () => {
    const p = problem(400, 'The request is invalid: messages, temperature.', {
      errors: [
        { field: 'messages', message: 'Too small: expected array to have >=1 items' },
        { field: 'temperature', message: 'Too big: expected number to be <=2' },
      ],
    });
    expect(openAiErrorOf(p, '/v1/chat/completions')).toEqual({
      message:
        'The request is invalid: messages, temperature. messages: Too small: expected array to have >=1 items; temperature: Too big: expected number to be <=2',
      type: 'invalid_request_error',
      param: 'messages',
      code: null,
    });
  });

  it('prefers code and param extension members sent by the server', () => {
    const p = problem(400, 'The context window of gpt-4o-mini is 128000 tokens.', {
      code: 'context_length_exceeded',
      param: 'messages',
    });
    expect(openAiErrorOf(p, '/v1/chat/completions')).toMatchObject({
      code: 'context_length_exceeded',
      param: 'messages',
    });
  });
});

describe('retryAfterSeconds', () => {
  it('rounds retry_after_s of a 429 or 503 up to whole seconds (at least 1)', () => {
    expect(retryAfterSeconds(problem(429, 'Slow down.', { retry_after_s: 2.1 }))).toBe(3);
    expect(retryAfterSeconds(problem(503, 'Later.', { retry_after_s: 0 }))).toBe(1);
  });

  it('gives nothing for other statuses or a missing or invalid extension', () => {
    expect(retryAfterSeconds(problem(402, 'Budget.', { retry_after_s: 5 }))).toBeUndefined();
    expect(retryAfterSeconds(problem(429, 'Slow down.'))).toBeUndefined();
    expect(retryAfterSeconds(problem(429, 'Slow down.', { retry_after_s: '5' }))).toBeUndefined();
    expect(retryAfterSeconds(problem(429, 'Slow down.', { retry_after_s: -1 }))).toBeUndefined();
  });
});

describe('isProblemBody', () => {
  it('recognises problem details and nothing else', () => {
    expect(isProblemBody(problem(400, 'Bad.'))).toBe(true);
    expect(isProblemBody({ error: { message: 'x' } })).toBe(false);
    expect(isProblemBody(null)).toBe(false);
    expect(isProblemBody('{"status":400}')).toBe(false);
  });
});

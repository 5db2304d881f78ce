import { MockLlmUpstream } from './mock-llm-upstream';
import {
  type ChatCompletionJson,
  type ChunkJson,
  type EmbeddingsJson,
  type OpenAiErrorJson,
  postJson,
  postSse,
} from './test-support';

const KEY = 'azure-key-1';

describe('MockLlmUpstream: Azure OpenAI wire format', () => {
  let mock: MockLlmUpstream;
  const deploymentUrl = (deployment: string, op: string, version: string | null = '2024-10-21') =>
    `${mock.azureBaseUrl}/openai/deployments/${deployment}/${op}${version === null ? '' : `?api-version=${version}`}`;
  const messages = [{ role: 'user', content: 'hi azure' }];

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.reset());

  it('answers chat completions on a deployment with the api-key header', async () => {
    const res = await postJson<ChatCompletionJson>(
      deploymentUrl('prod-gpt4o', 'chat/completions'),
      { messages },
      {
        'api-key': KEY,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('apim-request-id')).toMatch(/^req_/);
    expect(res.body.object).toBe('chat.completion');
    expect(res.body.model).toBe('prod-gpt4o');
    expect(res.body.choices[0].message.content).toBe('Mock reply to: hi azure');
    expect(res.body.choices[0].content_filter_results).toBeDefined();
    expect(res.body.prompt_filter_results).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({
      provider: 'azure-openai',
      model: 'prod-gpt4o',
      path: '/openai/deployments/prod-gpt4o/chat/completions',
      query: { 'api-version': '2024-10-21' },
    });
  });

  it('answers 404 without api-version and 400 for an unsupported one', async () => {
    const missing = await postJson<OpenAiErrorJson>(
      deploymentUrl('d', 'chat/completions', null),
      { messages },
      {
        'api-key': KEY,
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const bad = await postJson<OpenAiErrorJson>(
      deploymentUrl('d', 'chat/completions', 'latest'),
      { messages },
      {
        'api-key': KEY,
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'BadRequest', message: 'API version not supported' });
  });

  it('answers 401 in the Azure shape for a wrong api-key (Bearer is not enough)', async () => {
    const res = await postJson<OpenAiErrorJson>(
      deploymentUrl('d', 'chat/completions'),
      { messages },
      {
        authorization: `Bearer ${KEY}`,
      },
    );
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('401');
    expect(res.body.error.message).toContain('Access denied');
  });

  it('streams with a leading prompt-filter chunk (empty choices) and usage when asked', async () => {
    const res = await postSse(
      deploymentUrl('d1', 'chat/completions'),
      { messages, stream: true, stream_options: { include_usage: true } },
      { 'api-key': KEY },
    );
    expect(res.status).toBe(200);
    expect(res.events[res.events.length - 1].data).toBe('[DONE]');
    const chunks = res.events
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as ChunkJson & { prompt_filter_results?: unknown });
    expect(chunks[0]).toMatchObject({ object: '', id: '', choices: [] });
    expect(chunks[0].prompt_filter_results).toBeDefined();
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Mock reply to: hi azure');
    expect(chunks[chunks.length - 1].usage).toEqual({
      prompt_tokens: 2,
      completion_tokens: 5,
      total_tokens: 7,
    });
  });

  it('answers embeddings on a deployment', async () => {
    const res = await postJson<EmbeddingsJson>(
      deploymentUrl('emb', 'embeddings'),
      { input: 'vector me', dimensions: 16 },
      { 'api-key': KEY },
    );
    expect(res.status).toBe(200);
    expect(res.body.model).toBe('emb');
    expect(res.body.data[0].embedding).toHaveLength(16);
    expect(res.body.usage.prompt_tokens).toBe(2);
  });

  it('answers injected statuses in the Azure error shape with both retry headers', async () => {
    mock.enqueueFault({ type: 'status', status: 429, retryAfterS: 2, retryAfterMs: 1500 }, { model: 'busy' });
    const res = await postJson<OpenAiErrorJson>(
      deploymentUrl('busy', 'chat/completions'),
      { messages },
      {
        'api-key': KEY,
      },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('1500');
    expect(res.body.error.code).toBe('429');
    expect(res.body.error.message).toContain('exceeded call rate limit');
  });
});

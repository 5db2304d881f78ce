import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import { type ChatCompletionChunk, UpstreamError, type UpstreamTarget } from '../domain/upstream';
import { UpstreamHttpRepository } from '../repositories/upstream-http.repository';
import { AzureOpenAiAdapter, DEFAULT_AZURE_API_VERSION } from './azure-openai.adapter';

const KEY = 'azure-key-0123456789';

async function failure(work: Promise<unknown>): Promise<UpstreamError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

describe('AzureOpenAiAdapter against the mock Azure OpenAI server', () => {
  let mock: MockLlmUpstream;
  let http: UpstreamHttpRepository;
  let adapter: AzureOpenAiAdapter;
  let target: UpstreamTarget;
  const signal = () => new AbortController().signal;
  const messages = [{ role: 'user', content: 'hello azure' }];

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
    http = new UpstreamHttpRepository();
    adapter = new AzureOpenAiAdapter(http);
    target = {
      providerId: 'az',
      providerName: 'azure-eu',
      type: 'azure-openai',
      baseUrl: mock.azureBaseUrl,
      apiKey: KEY,
      headers: {},
      apiVersion: '2024-06-01',
      model: 'gpt4o-prod',
      timeoutMs: 5000,
    };
  });
  afterAll(async () => {
    await http.close();
    await mock.close();
  });
  afterEach(() => mock.reset());

  it('calls the deployment URL with api-version and the api-key header', async () => {
    const completion = await adapter.chat(target, { model: 'alias', messages }, signal());
    expect(completion.choices[0]).toMatchObject({
      message: { content: 'Mock reply to: hello azure' },
      finish_reason: 'stop',
    });
    const [req] = mock.requests;
    expect(req).toMatchObject({
      provider: 'azure-openai',
      path: '/openai/deployments/gpt4o-prod/chat/completions',
      query: { 'api-version': '2024-06-01' },
      model: 'gpt4o-prod',
    });
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('uses the default api-version when the target has none', async () => {
    await adapter.chat({ ...target, apiVersion: undefined }, { model: 'alias', messages }, signal());
    expect(mock.requests[0].query).toEqual({ 'api-version': DEFAULT_AZURE_API_VERSION });
  });

  it('streams without the leading prompt-filter chunk and with usage last', async () => {
    const stream = await adapter.chatStream(target, { model: 'alias', messages }, signal());
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id !== '')).toBe(true);
    expect(
      chunks.map((c) => (c.choices[0]?.delta as { content?: string } | undefined)?.content ?? '').join(''),
    ).toBe('Mock reply to: hello azure');
    expect(chunks[chunks.length - 1].usage).toEqual({
      prompt_tokens: 2,
      completion_tokens: 5,
      total_tokens: 7,
    });
    expect(mock.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('embeds on the deployment', async () => {
    const res = await adapter.embed(
      { ...target, model: 'emb-small' },
      { model: 'alias', input: 'x y', dimensions: 3 },
      signal(),
    );
    expect(res.data[0].embedding).toHaveLength(3);
    expect(mock.requests[0].path).toBe('/openai/deployments/emb-small/embeddings');
  });

  it('classifies Azure errors: 429 with retry-after-ms, 401 and an unknown api-version', async () => {
    mock.enqueueFault(
      { type: 'status', status: 429, retryAfterS: 1, retryAfterMs: 1500 },
      { model: 'gpt4o-prod' },
    );
    const limited = await failure(adapter.chat(target, { model: 'alias', messages }, signal()));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1500 });
    expect(limited.options.upstreamMessage).toContain('exceeded call rate limit');

    const denied = await failure(
      adapter.chat({ ...target, apiKey: 'wrong' }, { model: 'alias', messages }, signal()),
    );
    expect(denied).toMatchObject({ kind: 'auth', status: 401 });

    const badVersion = await failure(
      adapter.chat({ ...target, apiVersion: 'latest' }, { model: 'alias', messages }, signal()),
    );
    expect(badVersion).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(badVersion.options.upstreamMessage).toBe('API version not supported');
  });
});

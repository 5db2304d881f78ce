import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import {
  type ChatCompletionChunk,
  type ChatStream,
  UpstreamError,
  type UpstreamTarget,
} from '../domain/upstream';
import { UpstreamHttpRepository } from '../repositories/upstream-http.repository';
import { OpenAiAdapter } from './openai.adapter';

const KEY = 'sk-test-openai-0123456789abcdef';
const weather = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

async function collect(stream: ChatStream): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream.chunks) chunks.push(chunk);
  return chunks;
}

async function failure(work: Promise<unknown>): Promise<UpstreamError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

interface Delta {
  content?: string;
  tool_calls?: Array<{ index: number; id?: string; function: { name?: string; arguments: string } }>;
}
const deltaOf = (c: ChatCompletionChunk) => c.choices[0]?.delta as Delta | undefined;

describe('OpenAiAdapter against the mock OpenAI server', () => {
  let mock: MockLlmUpstream;
  let http: UpstreamHttpRepository;
  let adapter: OpenAiAdapter;
  let target: UpstreamTarget;
  const signal = () => new AbortController().signal;

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
    http = new UpstreamHttpRepository();
    adapter = new OpenAiAdapter(http);
    target = {
      providerId: 'p1',
      providerName: 'openai-main',
      type: 'openai',
      baseUrl: `${mock.openaiBaseUrl}/`,
      apiKey: KEY,
      headers: { 'openai-organization': 'org-1' },
      model: 'gpt-4o-mini',
      timeoutMs: 5000,
    };
  });
  afterAll(async () => {
    await http.close();
    await mock.close();
  });
  afterEach(() => mock.reset());

  it('sends the body with the target model, the key and extra headers; passes unknown fields through', async () => {
    const completion = await adapter.chat(
      target,
      {
        model: 'client-alias',
        messages: [{ role: 'user', content: 'hello world' }],
        seed: 3,
        custom_field: { keep: true },
        stream: false,
        stream_options: { include_usage: true },
      },
      signal(),
    );
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o-mini');
    expect(completion.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Mock reply to: hello world' },
      finish_reason: 'stop',
    });
    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
    const [req] = mock.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['openai-organization']).toBe('org-1');
    expect(req.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello world' }],
      seed: 3,
      custom_field: { keep: true },
    });
  });

  it('streams chunks, always asking for usage, ending with the usage chunk', async () => {
    const stream = await adapter.chatStream(
      target,
      {
        model: 'x',
        messages: [{ role: 'user', content: 'stream this please' }],
        stream_options: { other: 1 },
      },
      signal(),
    );
    const chunks = await collect(stream);
    expect(mock.requests[0].body).toMatchObject({
      stream: true,
      stream_options: { other: 1, include_usage: true },
    });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => deltaOf(c)?.content ?? '').join('')).toBe('Mock reply to: stream this please');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
  });

  it('drains the stream after [DONE] so the connection is reused', async () => {
    const ownHttp = new UpstreamHttpRepository();
    const own = new OpenAiAdapter(ownHttp);
    try {
      await collect(
        await own.chatStream(target, { model: 'x', messages: [{ role: 'user', content: 'one' }] }, signal()),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await own.chat(target, { model: 'x', messages: [{ role: 'user', content: 'two' }] }, signal());
      expect(mock.requestCount).toBe(2);
      expect(mock.connectionCount).toBe(1);
    } finally {
      await ownHttp.close();
    }
  });

  it('returns tool calls, streamed as id/name then argument fragments', async () => {
    const body = { model: 'x', messages: [{ role: 'user', content: 'weather?' }], tools: [weather] };
    const completion = await adapter.chat(target, body, signal());
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message).toMatchObject({
      tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"mock"}' } }],
    });

    const chunks = await collect(await adapter.chatStream(target, body, signal()));
    const calls = chunks.flatMap((c) => deltaOf(c)?.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, function: { name: 'get_weather', arguments: '' } });
    expect(calls[0].id).toMatch(/^call_/);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"city":"mock"}');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
  });

  it('embeds with the target model, passing encoding_format and dimensions through', async () => {
    const res = await adapter.embed(
      { ...target, model: 'text-embedding-3-small' },
      { model: 'alias', input: ['a b', 'c'], dimensions: 4, encoding_format: 'base64' },
      signal(),
    );
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data).toHaveLength(2);
    expect(typeof res.data[0].embedding).toBe('string');
    expect(Buffer.from(res.data[0].embedding as string, 'base64')).toHaveLength(16);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(mock.requests[0]).toMatchObject({
      path: '/v1/embeddings',
      body: { model: 'text-embedding-3-small' },
    });
  });

  it('classifies 429 with its Retry-After, 500 and 503', async () => {
    mock.enqueueFault({ type: 'status', status: 429, retryAfterS: 2 });
    const limited = await failure(
      adapter.chat(target, { model: 'x', messages: [{ role: 'user', content: 'x' }] }, signal()),
    );
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 2000 });
    expect(limited.options.upstreamMessage).toContain('Rate limit reached');

    mock.enqueueFault({ type: 'status', status: 429, retryAfterMs: 250 });
    const streamLimited = await failure(
      adapter.chatStream(target, { model: 'x', messages: [{ role: 'user', content: 'x' }] }, signal()),
    );
    expect(streamLimited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 250 });

    mock.enqueueFault({ type: 'status', status: 500 });
    expect(
      await failure(
        adapter.chat(target, { model: 'x', messages: [{ role: 'user', content: 'x' }] }, signal()),
      ),
    ).toMatchObject({
      kind: 'server_error',
      status: 500,
      retryable: true,
    });
    mock.enqueueFault({ type: 'status', status: 503 });
    expect((await failure(adapter.embed(target, { model: 'x', input: 'x' }, signal()))).kind).toBe(
      'server_error',
    );
  });

  it('classifies provider refusals: 400 with its message, 401 without the key, 404', async () => {
    const bad = await failure(
      adapter.chat(
        target,
        { model: 'x', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] },
        signal(),
      ),
    );
    expect(bad).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(bad.options.upstreamMessage).toContain("messages with role 'tool' must be a response");

    const denied = await failure(
      adapter.chat(
        { ...target, apiKey: 'sk-wrong-key-abcdefghijklmnop' },
        { model: 'x', messages: [{ role: 'user', content: 'x' }] },
        signal(),
      ),
    );
    expect(denied).toMatchObject({ kind: 'auth', status: 401 });
    expect(denied.message).not.toContain('sk-wrong-key-abcdefghijklmnop');
    expect(denied.message).not.toContain('mnop');

    mock.enqueueFault({ type: 'status', status: 404 });
    expect(
      (
        await failure(
          adapter.chat(target, { model: 'x', messages: [{ role: 'user', content: 'x' }] }, signal()),
        )
      ).kind,
    ).toBe('not_found');
  });

  it('maps a reset connection and a refused port to connection errors', async () => {
    mock.enqueueFault({ type: 'reset' });
    const reset = await failure(
      adapter.chat(target, { model: 'x', messages: [{ role: 'user', content: 'x' }] }, signal()),
    );
    expect(reset.kind).toBe('connection');
    expect(reset.retryable).toBe(true);

    const closed = await MockLlmUpstream.start();
    const deadUrl = closed.openaiBaseUrl;
    await closed.close();
    const refused = await failure(
      adapter.chat(
        { ...target, baseUrl: deadUrl },
        { model: 'x', messages: [{ role: 'user', content: 'x' }] },
        signal(),
      ),
    );
    expect(refused.kind).toBe('connection');
    expect(refused.message).not.toContain(KEY);
  });

  it('throws connection from the iterator when the stream is cut', async () => {
    mock.enqueueFault({ type: 'cut-stream', afterChunks: 3 });
    const stream = await adapter.chatStream(
      target,
      { model: 'x', messages: [{ role: 'user', content: 'a b c d' }] },
      signal(),
    );
    const seen: ChatCompletionChunk[] = [];
    const err = await failure(
      (async () => {
        for await (const chunk of stream.chunks) seen.push(chunk);
      })(),
    );
    expect(err.kind).toBe('connection');
    expect(seen).toHaveLength(3);
  });

  it('throws the in-stream error event, classified', async () => {
    mock.enqueueFault({ type: 'stream-error', afterChunks: 2, message: 'model crashed' });
    const stream = await adapter.chatStream(
      target,
      { model: 'x', messages: [{ role: 'user', content: 'x' }] },
      signal(),
    );
    const err = await failure(collect(stream));
    expect(err.kind).toBe('server_error');
    expect(err.options.upstreamMessage).toBe('model crashed');
  });

  it('aborting mid-stream destroys the upstream request and throws cancelled', async () => {
    mock.setStreamChunkDelay(30);
    const controller = new AbortController();
    const stream = await adapter.chatStream(
      target,
      { model: 'x', messages: [{ role: 'user', content: 'a b c d e f g' }] },
      controller.signal,
    );
    const iterator = stream.chunks[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    controller.abort(new Error('client disconnected'));
    const [record] = await mock.waitForAborted(1);
    expect(record).toMatchObject({ aborted: true, finished: false, stream: true });
    const err = await failure(iterator.next());
    expect(err.kind).toBe('cancelled');
    await mock.waitForIdle();
  });

  it('breaking out of the iteration destroys the upstream request', async () => {
    mock.setStreamChunkDelay(30);
    const stream = await adapter.chatStream(
      target,
      { model: 'x', messages: [{ role: 'user', content: 'a b c d e f g' }] },
      signal(),
    );
    for await (const chunk of stream.chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      break;
    }
    const [record] = await mock.waitForAborted(1);
    expect(record.aborted).toBe(true);
    await mock.waitForIdle();
    expect(mock.inFlight).toBe(0);
  });

  it('aborting before the response head rejects with cancelled and closes the upstream request', async () => {
    mock.enqueueFault({ type: 'hang' });
    const controller = new AbortController();
    const pending = failure(
      adapter.chatStream(
        target,
        { model: 'x', messages: [{ role: 'user', content: 'x' }] },
        controller.signal,
      ),
    );
    await mock.waitForRequests(1);
    controller.abort();
    expect((await pending).kind).toBe('cancelled');
    await mock.waitForAborted(1);
    const already = await failure(adapter.chat(target, { model: 'x', messages: [] }, controller.signal));
    expect(already.kind).toBe('cancelled');
  });
});

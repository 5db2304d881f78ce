import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import {
  type ChatCompletionChunk,
  type ChatStream,
  UpstreamError,
  type UpstreamTarget,
} from '../domain/upstream';
import { UpstreamHttpRepository } from '../repositories/upstream-http.repository';
import { ANTHROPIC_VERSION, AnthropicAdapter } from './anthropic.adapter';

const KEY = 'sk-ant-api03-0123456789abcdef';
const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
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
  role?: string;
  content?: string;
  tool_calls?: Array<{
    index: number;
    id?: string;
    type?: string;
    function: { name?: string; arguments: string };
  }>;
}
const deltaOf = (c: ChatCompletionChunk) => c.choices[0]?.delta as Delta | undefined;

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

describe('AnthropicAdapter against the mock Anthropic server', () => {
  let mock: MockLlmUpstream;
  let http: UpstreamHttpRepository;
  let adapter: AnthropicAdapter;
  let target: UpstreamTarget;
  const signal = () => new AbortController().signal;

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
    http = new UpstreamHttpRepository();
    adapter = new AnthropicAdapter(http);
    target = {
      providerId: 'an',
      providerName: 'anthropic-main',
      type: 'anthropic',
      baseUrl: mock.anthropicBaseUrl,
      apiKey: KEY,
      headers: { 'anthropic-beta': 'tools-2024-05-16' },
      model: 'claude-sonnet-4-5',
      timeoutMs: 5000,
    };
  });
  afterAll(async () => {
    await http.close();
    await mock.close();
  });
  afterEach(() => mock.reset());

  it('translates a chat request and the message answer (the mock validates like the real API)', async () => {
    const completion = await adapter.chat(
      target,
      {
        model: 'alias',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello claude' },
        ],
        temperature: 1.4,
        stop: ['END'],
        response_format: { type: 'json_object' },
        stream_options: { include_usage: true },
        presence_penalty: 0.5,
      },
      signal(),
    );
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Mock reply to: hello claude' },
          finish_reason: 'stop',
        },
      ],
    });
    expect(completion.id).toMatch(/^msg_01/);
    // system: "Be brief." (2) + the JSON instruction (10) + "hello claude" (2); reply 5 words.
    expect(completion.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 5, total_tokens: 19 });
    const [req] = mock.requests;
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
    expect(req.headers['anthropic-beta']).toBe('tools-2024-05-16');
    expect(req.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      temperature: 1,
      stop_sequences: ['END'],
    });
  });

  it('maps max_tokens and the length finish reason', async () => {
    const completion = await adapter.chat(
      target,
      { model: 'a', max_completion_tokens: 2, messages: [{ role: 'user', content: 'one two three' }] },
      signal(),
    );
    expect((mock.requests[0].body as { max_tokens: number }).max_tokens).toBe(2);
    expect(completion.choices[0]).toMatchObject({
      message: { content: 'Mock reply' },
      finish_reason: 'length',
    });
  });

  it('does tool calls both ways: tool_use → tool_calls, then tool results → tool_result turn', async () => {
    const first = await adapter.chat(
      target,
      { model: 'a', messages: [{ role: 'user', content: 'weather in Oslo?' }], tools: [weather] },
      signal(),
    );
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const message = first.choices[0].message as { content: string | null; tool_calls: ToolCall[] };
    expect(message.content).toBe("I'll use the get_weather tool.");
    expect(message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^toolu_01/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"mock"}' },
      },
    ]);
    expect(mock.requests[0].body).toMatchObject({
      tools: [{ name: 'get_weather', input_schema: weather.function.parameters }],
      tool_choice: { type: 'auto' },
    });

    const call = message.tool_calls[0];
    const second = await adapter.chat(
      target,
      {
        model: 'a',
        tools: [weather],
        messages: [
          { role: 'user', content: 'weather in Oslo?' },
          { role: 'assistant', content: message.content, tool_calls: message.tool_calls },
          { role: 'tool', tool_call_id: call.id, content: '12C and rain' },
        ],
      },
      signal(),
    );
    expect(second.choices[0]).toMatchObject({
      message: { content: 'Mock reply to tool result: 12C and rain' },
      finish_reason: 'stop',
    });
    expect((mock.requests[1].body as { messages: unknown[] }).messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: '12C and rain' }],
    });
  });

  it('streams text as OpenAI chunks ending with a usage chunk', async () => {
    const chunks = await collect(
      await adapter.chatStream(
        target,
        { model: 'a', messages: [{ role: 'user', content: 'stream please' }] },
        signal(),
      ),
    );
    expect(mock.requests[0].body).toMatchObject({ stream: true });
    expect(mock.requests[0].body).not.toHaveProperty('stream_options');
    expect(deltaOf(chunks[0])).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => deltaOf(c)?.content ?? '').join('')).toBe('Mock reply to: stream please');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0].finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
    expect(chunks.every((c) => c.id === chunks[0].id && c.id.startsWith('msg_01'))).toBe(true);
  });

  it('streams tool use as tool call deltas (index, id, name, then argument fragments)', async () => {
    const chunks = await collect(
      await adapter.chatStream(
        target,
        {
          model: 'a',
          messages: [{ role: 'user', content: 'weather?' }],
          tools: [weather],
          tool_choice: 'required',
        },
        signal(),
      ),
    );
    expect(mock.requests[0].body).toMatchObject({ tool_choice: { type: 'any' } });
    const calls = chunks.flatMap((c) => deltaOf(c)?.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: expect.stringMatching(/^toolu_01/),
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.slice(1).every((c) => c.index === 0 && c.id === undefined)).toBe(true);
    expect(JSON.parse(calls.map((c) => c.function.arguments).join(''))).toEqual({ city: 'mock' });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('classifies Anthropic errors: 529 overloaded, 429 with retry-after, 401, 400', async () => {
    const body = { model: 'a', messages: [{ role: 'user', content: 'x' }] };
    mock.enqueueFault({ type: 'status', status: 529 });
    const overloaded = await failure(adapter.chat(target, body, signal()));
    expect(overloaded).toMatchObject({ kind: 'server_error', status: 529 });
    expect(overloaded.options.upstreamMessage).toBe('Overloaded');

    mock.enqueueFault({ type: 'status', status: 429, retryAfterS: 4 });
    expect(await failure(adapter.chatStream(target, body, signal()))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 4000,
    });

    const denied = await failure(
      adapter.chat({ ...target, apiKey: 'sk-ant-wrong-key-12345678' }, body, signal()),
    );
    expect(denied).toMatchObject({ kind: 'auth', status: 401 });
    expect(denied.message).not.toContain('sk-ant-wrong-key-12345678');

    const noVersion = await failure(
      adapter.chat({ ...target, headers: { 'anthropic-version': '' } }, body, signal()),
    );
    expect(noVersion).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(noVersion.options.upstreamMessage).toBe('anthropic-version: header is required');
  });

  it('throws from the iterator on a cut stream (connection) and on an error event (server_error)', async () => {
    const body = { model: 'a', messages: [{ role: 'user', content: 'a b c' }] };
    mock.enqueueFault({ type: 'cut-stream', afterChunks: 4 });
    const cut = await adapter.chatStream(target, body, signal());
    expect((await failure(collect(cut))).kind).toBe('connection');

    mock.enqueueFault({ type: 'stream-error', afterChunks: 4 });
    const errored = await adapter.chatStream(target, body, signal());
    const err = await failure(collect(errored));
    expect(err.kind).toBe('server_error');
    expect(err.options.upstreamMessage).toBe('Overloaded');
  });

  it('aborting mid-stream destroys the upstream request', async () => {
    mock.setStreamChunkDelay(30);
    const controller = new AbortController();
    const stream = await adapter.chatStream(
      target,
      { model: 'a', messages: [{ role: 'user', content: 'a b c d e f' }] },
      controller.signal,
    );
    const iterator = stream.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    controller.abort();
    const [record] = await mock.waitForAborted(1);
    expect(record).toMatchObject({ provider: 'anthropic', aborted: true, finished: false });
    expect((await failure(iterator.next())).kind).toBe('cancelled');
  });

  it('rejects embeddings and untranslatable requests before calling upstream', async () => {
    const embed = await failure(adapter.embed());
    expect(embed.kind).toBe('bad_request');
    expect(embed.message).toBe('anthropic provides no embeddings model');
    const n = await failure(
      adapter.chat(target, { model: 'a', n: 3, messages: [{ role: 'user', content: 'x' }] }, signal()),
    );
    expect(n.kind).toBe('bad_request');
    expect(mock.requestCount).toBe(0);
  });
});

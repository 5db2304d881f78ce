import { MockLlmUpstream } from './mock-llm-upstream';
import {
  type ChatCompletionJson,
  type ChunkJson,
  type EmbeddingsJson,
  type OpenAiErrorJson,
  decodeBase64Embedding,
  postJson,
  postSse,
} from './test-support';

const KEY = 'sk-test-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 3 },
      },
      required: ['city'],
    },
  },
};
const timeTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
};

describe('MockLlmUpstream: OpenAI wire format', () => {
  let mock: MockLlmUpstream;
  const chatUrl = () => `${mock.openaiBaseUrl}/chat/completions`;

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.reset());

  it('answers a chat completion with the deterministic reply and word-count usage', async () => {
    const res = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there world' },
        ],
      },
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.body.object).toBe('chat.completion');
    expect(res.body.id).toMatch(/^chatcmpl-/);
    expect(res.body.model).toBe('gpt-4o-mini');
    expect(res.body.choices).toHaveLength(1);
    expect(res.body.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Mock reply to: hello there world',
      refusal: null,
      annotations: [],
    });
    expect(res.body.choices[0].finish_reason).toBe('stop');
    // prompt: "Be brief." (2) + "hello there world" (3); completion: 6 words.
    expect(res.body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({
      provider: 'openai',
      method: 'POST',
      path: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      stream: false,
      status: 200,
      finished: true,
      aborted: false,
    });
    expect(mock.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('uses array content parts for the last user message and a configurable reply', async () => {
    const custom = await MockLlmUpstream.start({
      reply: (ctx) => `${ctx.provider}/${ctx.model}: ${ctx.lastUserText}!`,
    });
    try {
      const res = await postJson<ChatCompletionJson>(`${custom.openaiBaseUrl}/chat/completions`, {
        model: 'm1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look at' },
              { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
              { type: 'text', text: 'this' },
            ],
          },
        ],
      });
      expect(res.body.choices[0].message.content).toBe('openai/m1: look at this!');
    } finally {
      await custom.close();
    }
  });

  it('streams chat.completion.chunk events ending with [DONE], usage only when asked for', async () => {
    const body = { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'one two' }] };
    const plain = await postSse(chatUrl(), body, auth);
    expect(plain.status).toBe(200);
    expect(plain.contentType).toBe('text/event-stream; charset=utf-8');
    expect(plain.events[plain.events.length - 1].data).toBe('[DONE]');
    const chunks = plain.events.slice(0, -1).map((e) => JSON.parse(e.data) as ChunkJson);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Mock reply to: one two');
    // One delta per word.
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(5);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('stop');
    expect(chunks.some((c) => 'usage' in c)).toBe(false);

    const withUsage = await postSse(chatUrl(), { ...body, stream_options: { include_usage: true } }, auth);
    const usageChunks = withUsage.events.slice(0, -1).map((e) => JSON.parse(e.data) as ChunkJson);
    const last = usageChunks[usageChunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
    expect(usageChunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(usageChunks[usageChunks.length - 2].choices[0].finish_reason).toBe('stop');
  });

  it('calls the first tool with arguments built from its schema', async () => {
    const res = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in Paris?' }],
        tools: [weatherTool, timeTool],
      },
      auth,
    );
    const choice = res.body.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0];
    expect(call.id).toMatch(/^call_/);
    expect(call.type).toBe('function');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock', unit: 'celsius', days: 3 });
  });

  it('calls the tool named by tool_choice, and none when tool_choice is "none"', async () => {
    const chosen = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'time?' }],
        tools: [weatherTool, timeTool],
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      },
      auth,
    );
    expect(chosen.body.choices[0].message.tool_calls![0].function.name).toBe('get_time');
    const none = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [weatherTool],
        tool_choice: 'none',
      },
      auth,
    );
    expect(none.body.choices[0].message.content).toBe('Mock reply to: hi');
    expect(none.body.choices[0].finish_reason).toBe('stop');
  });

  it('streams tool call deltas with the arguments split across chunks', async () => {
    const res = await postSse(
      chatUrl(),
      {
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [weatherTool],
      },
      auth,
    );
    const chunks = res.events.slice(0, -1).map((e) => JSON.parse(e.data) as ChunkJson);
    const first = chunks[0].choices[0].delta.tool_calls![0];
    expect(first).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(first.id).toMatch(/^call_/);
    const fragments = chunks.slice(1, -1).map((c) => c.choices[0].delta.tool_calls![0]);
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.every((f) => f.index === 0 && f.id === undefined)).toBe(true);
    expect(JSON.parse(fragments.map((f) => f.function.arguments).join(''))).toEqual({
      city: 'mock',
      unit: 'celsius',
      days: 3,
    });
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('answers a tool result with text mentioning it', async () => {
    const res = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' },
        ],
      },
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe('Mock reply to tool result: sunny, 21C');
    expect(res.body.choices[0].finish_reason).toBe('stop');
  });

  it('rejects tool messages that answer no tool call, like OpenAI', async () => {
    const res = await postJson<OpenAiErrorJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_9', content: 'y' },
        ],
      },
      auth,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toContain("messages with role 'tool' must be a response");
  });

  it('replies valid JSON for response_format json_object and json_schema', async () => {
    const obj = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'give json' }],
        response_format: { type: 'json_object' },
      },
      auth,
    );
    expect(JSON.parse(obj.body.choices[0].message.content!)).toEqual({ reply: 'Mock reply to: give json' });
    const schema = await postJson<ChatCompletionJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'p',
            schema: { type: 'object', properties: { n: { type: 'number' }, ok: { type: 'boolean' } } },
          },
        },
      },
      auth,
    );
    expect(JSON.parse(schema.body.choices[0].message.content!)).toEqual({ n: 1.5, ok: true });
  });

  it('cuts the reply at max_tokens words with finish_reason length', async () => {
    const res = await postJson<ChatCompletionJson>(
      chatUrl(),
      { model: 'gpt-4o', max_completion_tokens: 3, messages: [{ role: 'user', content: 'a b c d' }] },
      auth,
    );
    expect(res.body.choices[0].message.content).toBe('Mock reply to:');
    expect(res.body.choices[0].finish_reason).toBe('length');
    expect(res.body.usage.completion_tokens).toBe(3);
  });

  it('rejects stream_options without stream, a missing model, bad JSON and unknown paths', async () => {
    const opts = await postJson<OpenAiErrorJson>(
      chatUrl(),
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
        stream_options: { include_usage: true },
      },
      auth,
    );
    expect(opts.status).toBe(400);
    expect(opts.body.error).toMatchObject({ param: 'stream_options', type: 'invalid_request_error' });
    const noModel = await postJson<OpenAiErrorJson>(
      chatUrl(),
      { messages: [{ role: 'user', content: 'x' }] },
      auth,
    );
    expect(noModel.status).toBe(400);
    expect(noModel.body.error.message).toBe('you must provide a model parameter');
    const badJson = await postJson<OpenAiErrorJson>(chatUrl(), '{"model":', auth);
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toContain('could not parse the JSON body');
    const unknown = await postJson<OpenAiErrorJson>(`${mock.openaiBaseUrl}/completions`, {}, auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Invalid URL (POST /v1/completions)');
  });

  it('answers 401 with the OpenAI error body for a missing or wrong key', async () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] };
    const missing = await postJson<OpenAiErrorJson>(chatUrl(), body);
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toContain("You didn't provide an API key");
    const wrong = await postJson<OpenAiErrorJson>(chatUrl(), body, {
      authorization: 'Bearer sk-wrong-key-123456',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(wrong.body.error.message).not.toContain('sk-wrong-key-123456');
  });

  it('answers embeddings with deterministic unit vectors, honouring dimensions and base64', async () => {
    const url = `${mock.openaiBaseUrl}/embeddings`;
    const a = await postJson<EmbeddingsJson>(
      url,
      { model: 'text-embedding-3-small', input: ['alpha beta', 'gamma'] },
      auth,
    );
    expect(a.status).toBe(200);
    expect(a.body.object).toBe('list');
    expect(a.body.model).toBe('text-embedding-3-small');
    expect(a.body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(a.body.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);
    const v0 = a.body.data[0].embedding as number[];
    expect(v0).toHaveLength(1536);
    expect(Math.sqrt(v0.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
    expect(a.body.data[1].embedding).not.toEqual(v0);

    const again = await postJson<EmbeddingsJson>(
      url,
      { model: 'text-embedding-3-small', input: 'alpha beta' },
      auth,
    );
    expect(again.body.data[0].embedding).toEqual(v0);

    const small = await postJson<EmbeddingsJson>(
      url,
      { model: 'text-embedding-3-small', input: 'alpha beta', dimensions: 8, encoding_format: 'base64' },
      auth,
    );
    expect(typeof small.body.data[0].embedding).toBe('string');
    const decoded = decodeBase64Embedding(small.body.data[0].embedding as string);
    expect(decoded).toHaveLength(8);
    const floats = await postJson<EmbeddingsJson>(
      url,
      { model: 'text-embedding-3-small', input: 'alpha beta', dimensions: 8 },
      auth,
    );
    expect(decoded).toEqual(floats.body.data[0].embedding);

    const large = await postJson<EmbeddingsJson>(
      url,
      { model: 'text-embedding-3-large', input: [[1, 2, 3]] },
      auth,
    );
    expect(large.body.data[0].embedding).toHaveLength(3072);
    expect(large.body.usage.prompt_tokens).toBe(3);

    const bad = await postJson<OpenAiErrorJson>(
      url,
      { model: 'text-embedding-3-small', input: 'x', dimensions: 0 },
      auth,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('dimensions');
  });

  it('lists models', async () => {
    const res = await fetch(`${mock.openaiBaseUrl}/models`, { headers: auth });
    const body = (await res.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(res.status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(body.data.every((m) => m.object === 'model')).toBe(true);
  });
});

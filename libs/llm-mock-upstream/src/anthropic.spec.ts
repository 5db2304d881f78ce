import { MockLlmUpstream } from './mock-llm-upstream';
import {
  type AnthropicErrorJson,
  type AnthropicMessageJson,
  type WireEvent,
  postJson,
  postSse,
} from './test-support';

const KEY = 'sk-ant-test';
const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

interface AnthropicEvent {
  type: string;
  index?: number;
  message?: { id: string; usage: { input_tokens: number; output_tokens: number }; content: unknown[] };
  content_block?: { type: string; id?: string; name?: string; text?: string; input?: unknown };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string };
  usage?: { output_tokens: number };
}

function decode(events: WireEvent[]): AnthropicEvent[] {
  return events.map((e) => {
    const data = JSON.parse(e.data) as AnthropicEvent;
    // The `event:` name always equals the payload's type.
    expect(e.event).toBe(data.type);
    return data;
  });
}

describe('MockLlmUpstream: Anthropic Messages wire format', () => {
  let mock: MockLlmUpstream;
  const url = () => `${mock.anthropicBaseUrl}/v1/messages`;

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: KEY });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.reset());

  it('answers a message object with text content, stop_reason and usage', async () => {
    const res = await postJson<AnthropicMessageJson>(
      url(),
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system: 'be nice',
        messages: [{ role: 'user', content: 'hello claude' }],
      },
      headers,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Mock reply to: hello claude' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 4, output_tokens: 5 },
    });
    expect(res.body.id).toMatch(/^msg_01/);
    expect(mock.requests[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      path: '/v1/messages',
    });
  });

  it('rejects requests like the real API: max_tokens, anthropic-version, key, extra fields, system role', async () => {
    const base = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const cases: Array<[Record<string, unknown>, Record<string, string>, number, string, string]> = [
      [
        { model: 'claude', messages: base.messages },
        headers,
        400,
        'invalid_request_error',
        'max_tokens: Field required',
      ],
      [base, { 'x-api-key': KEY }, 400, 'invalid_request_error', 'anthropic-version: header is required'],
      [
        base,
        { 'anthropic-version': '2023-06-01' },
        401,
        'authentication_error',
        'x-api-key header is required',
      ],
      [base, { ...headers, 'x-api-key': 'nope' }, 401, 'authentication_error', 'invalid x-api-key'],
      [
        { ...base, response_format: { type: 'json_object' } },
        headers,
        400,
        'invalid_request_error',
        'response_format: Extra inputs are not permitted',
      ],
      [
        { ...base, temperature: 1.5 },
        headers,
        400,
        'invalid_request_error',
        'temperature: Input should be less than or equal to 1',
      ],
      [
        { ...base, messages: [{ role: 'system', content: 's' }, ...base.messages] },
        headers,
        400,
        'invalid_request_error',
        'messages: Unexpected role "system"',
      ],
    ];
    for (const [body, hdrs, status, type, message] of cases) {
      const res = await postJson<AnthropicErrorJson>(url(), body, hdrs);
      expect(res.status).toBe(status);
      expect(res.body.type).toBe('error');
      expect(res.body.error.type).toBe(type);
      expect(res.body.error.message).toContain(message);
    }
  });

  it('uses a tool: announces it under tool_choice auto, not when forced', async () => {
    const auto = await postJson<AnthropicMessageJson>(
      url(),
      {
        model: 'claude',
        max_tokens: 100,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'weather?' }],
      },
      headers,
    );
    expect(auto.body.stop_reason).toBe('tool_use');
    expect(auto.body.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(auto.body.content[1]).toMatchObject({ name: 'get_weather', input: { city: 'mock' } });
    expect(auto.body.content[1].id).toMatch(/^toolu_01/);

    const forced = await postJson<AnthropicMessageJson>(
      url(),
      {
        model: 'claude',
        max_tokens: 100,
        tools: [
          weatherTool,
          { name: 'other', input_schema: { type: 'object', properties: { q: { type: 'boolean' } } } },
        ],
        tool_choice: { type: 'tool', name: 'other' },
        messages: [{ role: 'user', content: 'weather?' }],
      },
      headers,
    );
    expect(forced.body.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'other', input: { q: true } }),
    ]);
  });

  it('answers a tool_result with text mentioning it, and checks tool_use ids', async () => {
    const history = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }],
      },
    ];
    const ok = await postJson<AnthropicMessageJson>(
      url(),
      {
        model: 'claude',
        max_tokens: 100,
        tools: [weatherTool],
        messages: [
          ...history,
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'rain' }] },
        ],
      },
      headers,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.content).toEqual([{ type: 'text', text: 'Mock reply to tool result: rain' }]);
    expect(ok.body.stop_reason).toBe('end_turn');

    const wrongId = await postJson<AnthropicErrorJson>(
      url(),
      {
        model: 'claude',
        max_tokens: 100,
        messages: [
          ...history,
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_X', content: 'rain' }] },
        ],
      },
      headers,
    );
    expect(wrongId.status).toBe(400);
    expect(wrongId.body.error.message).toContain('unexpected `tool_use_id`');
    const missing = await postJson<AnthropicErrorJson>(
      url(),
      { model: 'claude', max_tokens: 100, messages: [...history, { role: 'user', content: 'and?' }] },
      headers,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('`tool_use` ids were found without `tool_result` blocks');
  });

  it('stops at max_tokens words with stop_reason max_tokens', async () => {
    const res = await postJson<AnthropicMessageJson>(
      url(),
      { model: 'claude', max_tokens: 2, messages: [{ role: 'user', content: 'long question here' }] },
      headers,
    );
    expect(res.body.content).toEqual([{ type: 'text', text: 'Mock reply' }]);
    expect(res.body.stop_reason).toBe('max_tokens');
    expect(res.body.usage.output_tokens).toBe(2);
  });

  it('streams the real event sequence for text', async () => {
    const res = await postSse(
      url(),
      { model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'stream me' }] },
      headers,
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/event-stream; charset=utf-8');
    const events = decode(res.events);
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].message).toMatchObject({ content: [], usage: { input_tokens: 2, output_tokens: 1 } });
    expect(events[1].content_block).toEqual({ type: 'text', text: '' });
    const text = events
      .filter((e) => e.delta?.type === 'text_delta')
      .map((e) => e.delta?.text)
      .join('');
    expect(text).toBe('Mock reply to: stream me');
    const delta = events[events.length - 2];
    expect(delta.delta).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    expect(delta.usage).toEqual({ output_tokens: 5 });
  });

  it('streams tool use as input_json_delta fragments after a text block', async () => {
    const res = await postSse(
      url(),
      {
        model: 'claude',
        max_tokens: 100,
        stream: true,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'w?' }],
      },
      headers,
    );
    const events = decode(res.events);
    const starts = events.filter((e) => e.type === 'content_block_start');
    expect(starts.map((e) => [e.index, e.content_block?.type])).toEqual([
      [0, 'text'],
      [1, 'tool_use'],
    ]);
    expect(starts[1].content_block).toMatchObject({ name: 'get_weather', input: {} });
    const fragments = events.filter((e) => e.delta?.type === 'input_json_delta');
    expect(fragments.every((e) => e.index === 1)).toBe(true);
    expect(fragments.length).toBeGreaterThan(2);
    expect(JSON.parse(fragments.map((e) => e.delta?.partial_json).join(''))).toEqual({ city: 'mock' });
    expect(events.find((e) => e.type === 'message_delta')?.delta?.stop_reason).toBe('tool_use');
    expect(events[events.length - 1].type).toBe('message_stop');
  });

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const res = await fetch(`${mock.anthropicBaseUrl}/v1/models`, { headers });
    const body = (await res.json()) as { data: Array<{ type: string; id: string }>; has_more: boolean };
    expect(res.status).toBe(200);
    expect(body.has_more).toBe(false);
    expect(body.data[0].type).toBe('model');
  });

  it('answers injected statuses as Anthropic errors (529 overloaded, 429 with retry-after)', async () => {
    mock.enqueueFault({ type: 'status', status: 529 });
    mock.enqueueFault({ type: 'status', status: 429, retryAfterS: 7 });
    const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const overloaded = await postJson<AnthropicErrorJson>(url(), body, headers);
    expect(overloaded.status).toBe(529);
    expect(overloaded.body).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const limited = await postJson<AnthropicErrorJson>(url(), body, headers);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.error.type).toBe('rate_limit_error');
  });
});

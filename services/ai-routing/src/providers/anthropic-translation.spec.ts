import { type ChatCompletionChunk, type ChatRequestBody, UpstreamError } from '../domain/upstream';
import {
  AnthropicStreamTranslator,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  finishReasonOf,
  fromAnthropicMessage,
  toAnthropicRequest,
} from './anthropic-translation';

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function thrown(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

describe('toAnthropicRequest', () => {
  it('translates a whole tool conversation, merging consecutive tool results into one user turn', () => {
    const body: ChatRequestBody = {
      model: 'alias',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'rain' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'sun' }] },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Summarize.' },
      ],
      tools: [weather],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 300,
      stop: 'END',
      temperature: 1.6,
      top_p: 0.9,
      user: 'user-42',
      seed: 7,
      logprobs: false,
      stream_options: { include_usage: true },
    };
    expect(toAnthropicRequest(body, 'claude-sonnet-4-5', false)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: 'You are terse.\n\nAnswer in English.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'rain' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'sun' }] },
            { type: 'text', text: 'Summarize.' },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
      tools: [
        {
          name: 'get_weather',
          description: 'Weather for a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
  });

  it('maps images, max tokens defaults and tool choices', () => {
    const req = toAnthropicRequest(
      {
        model: 'm',
        max_completion_tokens: 50,
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
            ],
          },
        ],
        tools: [weather],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      },
      'claude',
      true,
    );
    expect(req.max_tokens).toBe(50);
    expect(req.stream).toBe(true);
    expect(req.messages[0].content).toEqual([
      { type: 'text', text: 'what is this' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    expect(req.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });

    const plain = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'none' },
      'c',
      false,
    );
    expect(plain.max_tokens).toBe(DEFAULT_ANTHROPIC_MAX_TOKENS);
    expect(plain).not.toHaveProperty('tool_choice');
    expect(plain).not.toHaveProperty('stream');
    const none = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weather], tool_choice: 'none' },
      'c',
      false,
    );
    expect(none.tool_choice).toEqual({ type: 'none' });
    const auto = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weather] },
      'c',
      false,
    );
    expect(auto.tool_choice).toEqual({ type: 'auto' });
  });

  it('turns response_format into a system instruction (best effort)', () => {
    const req = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be exact.' },
          { role: 'user', content: 'list' },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      },
      'c',
      false,
    );
    expect(req.system).toBe(
      'Be exact.\n\nRespond with a single valid JSON value matching this JSON schema, and nothing else: {"type":"object"}',
    );
    expect(req).not.toHaveProperty('response_format');
  });

  it('rejects what Anthropic cannot express as bad_request', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect(thrown(() => toAnthropicRequest({ ...base, n: 2 }, 'c', false)).kind).toBe('bad_request');
    const audio = thrown(() =>
      toAnthropicRequest(
        {
          model: 'm',
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] },
          ],
        },
        'c',
        false,
      ),
    );
    expect(audio.kind).toBe('bad_request');
    expect(audio.options.upstreamMessage).toContain("content part type 'input_audio' is not supported");
    const badArgs = thrown(() =>
      toAnthropicRequest(
        {
          model: 'm',
          messages: [
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{oops' } }],
            },
          ],
        },
        'c',
        false,
      ),
    );
    expect(badArgs.options.upstreamMessage).toBe(
      'messages[1].tool_calls[0].function.arguments is not valid JSON',
    );
    expect(
      thrown(() => toAnthropicRequest({ ...base, tools: [{ type: 'web_search' }] }, 'c', false)).kind,
    ).toBe('bad_request');
    expect(
      thrown(() =>
        toAnthropicRequest({ ...base, messages: [{ role: 'function', content: 'x' }] }, 'c', false),
      ).kind,
    ).toBe('bad_request');
  });
});

describe('fromAnthropicMessage', () => {
  it('maps text and tool_use blocks, stop reason and usage (cache tokens count as prompt)', () => {
    const completion = fromAnthropicMessage(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'thinking', thinking: '...', signature: 's' },
          { type: 'text', text: 'Let me check. ' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
        stop_reason: 'tool_use',
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 5,
          cache_read_input_tokens: 20,
          output_tokens: 7,
        },
      },
      Date.parse('2025-01-01T00:00:00Z'),
    );
    expect(completion).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1735689600,
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check. ',
            tool_calls: [
              {
                id: 'toolu_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
              },
            ],
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 35,
        completion_tokens: 7,
        total_tokens: 42,
        prompt_tokens_details: { cached_tokens: 20 },
      },
    });
  });

  it('uses null content for tool-only answers and rejects non-messages as protocol errors', () => {
    const toolOnly = fromAnthropicMessage({
      type: 'message',
      content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 1 },
    });
    expect((toolOnly.choices[0].message as { content: unknown }).content).toBeNull();
    expect(thrown(() => fromAnthropicMessage({ type: 'error' })).kind).toBe('protocol');
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, null],
  ])('stop_reason %s → finish_reason %s', (stop, finish) => {
    expect(finishReasonOf(stop)).toBe(finish);
  });
});

describe('AnthropicStreamTranslator', () => {
  it('translates the event sequence of a text + tool_use answer into OpenAI chunks', () => {
    const t = new AnthropicStreamTranslator('fallback', Date.parse('2025-01-01T00:00:00Z'));
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_9',
          model: 'claude-x',
          content: [],
          usage: { input_tokens: 12, cache_read_input_tokens: 3, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city":' },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      },
      { type: 'message_stop' },
    ];
    const chunks: ChatCompletionChunk[] = events.flatMap((e) => t.translate(e));
    expect(t.done).toBe(true);
    expect(
      chunks.every((c) => c.id === 'msg_9' && c.model === 'claude-x' && c.object === 'chat.completion.chunk'),
    ).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta ?? c.usage)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking' },
      {
        tool_calls: [
          { index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
      {},
      { prompt_tokens: 15, completion_tokens: 9, total_tokens: 24 },
    ]);
    expect(chunks[5].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[6].choices).toEqual([]);
  });

  it('numbers several tool calls 0, 1, … independently of block indexes', () => {
    const t = new AnthropicStreamTranslator('m');
    t.translate({ type: 'message_start', message: { id: 'x', usage: {} } });
    const a = t.translate({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 'a', name: 'f' },
    });
    const b = t.translate({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'b', name: 'g' },
    });
    const frag = t.translate({
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{}' },
    });
    expect(a[0].choices[0].delta).toMatchObject({ tool_calls: [{ index: 0, id: 'a' }] });
    expect(b[0].choices[0].delta).toMatchObject({ tool_calls: [{ index: 1, id: 'b' }] });
    expect(frag[0].choices[0].delta).toEqual({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] });
  });

  it('throws the classified error of an error event', () => {
    const t = new AnthropicStreamTranslator('m');
    const err = thrown(() =>
      t.translate({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
    expect(err.kind).toBe('server_error');
    expect(err.options.upstreamMessage).toBe('Overloaded');
    expect(thrown(() => t.translate({ nope: true })).kind).toBe('protocol');
  });
});

import type { ChatCompletion, ChatCompletionChunk } from '../domain/upstream';
import { chunksToCompletion, completionToChunks } from './stream-conversion';

const head = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk' as const,
  created: 1_700_000_000,
  model: 'gpt-4o-2024',
};
const chunk = (
  choices: Array<Record<string, unknown>>,
  extra: Partial<ChatCompletionChunk> = {},
): ChatCompletionChunk => ({
  ...head,
  choices,
  ...extra,
});

describe('chunksToCompletion', () => {
  it('joins the content, keeps the last finish reason and the usage chunk', () => {
    const completion = chunksToCompletion([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], {
        system_fingerprint: 'fp_1',
        usage: null,
      }),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage: null }),
      chunk([], { usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }),
    ]);
    expect(completion).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-2024',
      system_fingerprint: 'fp_1',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello' }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });

  it('merges tool calls by index (arguments concatenated) and nulls the empty content', () => {
    const completion = chunksToCompletion([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' } }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } },
            ],
          },
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } },
            ],
          },
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ]);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(completion.usage).toBeUndefined();
  });

  it('keeps several choices apart, and joins refusals and logprobs', () => {
    const completion = chunksToCompletion([
      chunk([
        { index: 1, delta: { role: 'assistant', content: 'B' }, logprobs: { content: [{ token: 'B' }] } },
        { index: 0, delta: { role: 'assistant', refusal: 'No' } },
      ]),
      chunk([
        {
          index: 1,
          delta: { content: '2' },
          logprobs: { content: [{ token: '2' }] },
          finish_reason: 'length',
        },
        { index: 0, delta: { refusal: 'pe.' }, finish_reason: 'stop' },
      ]),
    ]);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: 'Nope.' },
        logprobs: null,
        finish_reason: 'stop',
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'B2' },
        logprobs: { content: [{ token: 'B' }, { token: '2' }] },
        finish_reason: 'length',
      },
    ]);
  });

  it('gives an empty completion for no chunks', () => {
    expect(chunksToCompletion([])).toEqual({
      id: '',
      object: 'chat.completion',
      created: 0,
      model: '',
      choices: [],
    });
  });
});

describe('completionToChunks', () => {
  const completion: ChatCompletion = {
    id: 'chatcmpl-2',
    object: 'chat.completion',
    created: 1_700_000_001,
    model: 'gpt-4o-2024',
    system_fingerprint: 'fp_2',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
      { index: 1, message: { role: 'assistant', content: 'Sunny.' }, logprobs: null, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
  };

  it('streams role+content, tool calls and the finish reason per choice, then the usage when asked', () => {
    const chunks = completionToChunks(completion, { includeUsage: true });
    expect(chunks.map((c) => ({ choices: c.choices, usage: c.usage }))).toEqual([
      {
        choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }],
        usage: null,
      },
      {
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_a',
                  type: 'function',
                  function: { name: 'weather', arguments: '{"city":"Oslo"}' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
        usage: null,
      },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }], usage: null },
      {
        choices: [{ index: 1, delta: { role: 'assistant', content: 'Sunny.' }, finish_reason: null }],
        usage: null,
      },
      { choices: [{ index: 1, delta: {}, finish_reason: 'stop' }], usage: null },
      { choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ]);
    for (const c of chunks) {
      expect(c).toMatchObject({
        id: 'chatcmpl-2',
        object: 'chat.completion.chunk',
        created: 1_700_000_001,
        system_fingerprint: 'fp_2',
      });
    }
  });

  it('has no usage fields at all without includeUsage', () => {
    const chunks = completionToChunks(completion, { includeUsage: false });
    expect(chunks).toHaveLength(5);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('round-trips through chunksToCompletion', () => {
    expect(chunksToCompletion(completionToChunks(completion, { includeUsage: true }))).toEqual(completion);
    const plain: ChatCompletion = {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        { index: 0, message: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'stop' },
      ],
    };
    expect(chunksToCompletion(completionToChunks(plain, { includeUsage: false }))).toEqual(plain);
  });
});

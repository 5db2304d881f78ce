import { countChatPromptTokens, countTokens } from '../../domain/tokens';
import {
  UpstreamError,
  type ChatCompletionChunk,
  type ChatRequestBody,
  type EmbeddingsRequestBody,
  type UpstreamErrorKind,
  type UpstreamTarget,
} from '../../domain/upstream';
import { LocalAdapter } from './local.adapter';

const target = (model: string): UpstreamTarget => ({
  providerId: 'local',
  providerName: 'local',
  type: 'local',
  baseUrl: '',
  headers: {},
  model,
  timeoutMs: 1000,
});
const CHAT = target('local-chat');
const EMBED = target('local-embed');
const live = () => new AbortController().signal;

const CONTEXT =
  'The gateway is the only public entry point. Budgets limit how many tokens a tenant may spend per month. ' +
  'Knowledge bases store documents and their embeddings in pgvector.';
const chatBody = (extra: Partial<ChatRequestBody> = {}): ChatRequestBody => ({
  model: 'local/chat',
  messages: [
    { role: 'system', content: CONTEXT },
    { role: 'user', content: 'What do budgets limit?' },
  ],
  ...extra,
});
const ANSWER = 'Budgets limit how many tokens a tenant may spend per month.';

async function rejection(promise: Promise<unknown>, kind: UpstreamErrorKind): Promise<UpstreamError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected UpstreamError ${kind}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  expect((error as UpstreamError).kind).toBe(kind);
  return error as UpstreamError;
}

async function collect(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

const firstChoice = (c: { choices: Array<Record<string, unknown>> }) =>
  c.choices[0] as Record<string, unknown>;

describe('LocalAdapter', () => {
  const adapter = new LocalAdapter();

  it('is the local provider type', () => {
    expect(adapter.type).toBe('local');
  });

  describe('chat', () => {
    it('answers from the context as an OpenAI chat.completion with exact usage', async () => {
      const body = chatBody();
      const completion = await adapter.chat(CHAT, body, live());
      expect(completion).toEqual({
        id: expect.stringMatching(/^chatcmpl-local-[0-9a-f]{32}$/),
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'local-chat',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: ANSWER, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: {
          prompt_tokens: countChatPromptTokens(body.messages),
          completion_tokens: countTokens(ANSWER),
          total_tokens: countChatPromptTokens(body.messages) + countTokens(ANSWER),
        },
      });
      expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
    });

    it('gives a fresh id per completion but the same content', async () => {
      const [a, b] = await Promise.all([
        adapter.chat(CHAT, chatBody(), live()),
        adapter.chat(CHAT, chatBody(), live()),
      ]);
      expect(a.id).not.toBe(b.id);
      expect(firstChoice(a)['message']).toEqual(firstChoice(b)['message']);
    });

    it('counts tool definitions in the prompt but never calls tools, and ignores n', async () => {
      const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
      const completion = await adapter.chat(CHAT, chatBody({ tools, tool_choice: 'auto', n: 3 }), live());
      expect(completion.choices).toHaveLength(1);
      expect(firstChoice(completion)['message']).toEqual({
        role: 'assistant',
        content: ANSWER,
        refusal: null,
      });
      expect(completion.usage?.prompt_tokens).toBe(countChatPromptTokens(chatBody().messages, tools));
    });

    it.each(['max_tokens', 'max_completion_tokens'])(
      'truncates to %s with finish_reason length',
      async (field) => {
        const completion = await adapter.chat(CHAT, chatBody({ [field]: 4 }), live());
        const message = firstChoice(completion)['message'] as { content: string };
        expect(firstChoice(completion)['finish_reason']).toBe('length');
        expect(ANSWER.startsWith(message.content)).toBe(true);
        expect(message.content.length).toBeGreaterThan(0);
        expect(countTokens(message.content)).toBeLessThanOrEqual(4);
        expect(completion.usage?.completion_tokens).toBe(countTokens(message.content));
      },
    );

    it('keeps finish_reason stop when the answer fits max_tokens', async () => {
      const completion = await adapter.chat(CHAT, chatBody({ max_tokens: 1000 }), live());
      expect(firstChoice(completion)['finish_reason']).toBe('stop');
    });

    it('returns {"answer": ...} JSON for response_format json_object', async () => {
      const completion = await adapter.chat(
        CHAT,
        chatBody({ response_format: { type: 'json_object' } }),
        live(),
      );
      const content = (firstChoice(completion)['message'] as { content: string }).content;
      expect(JSON.parse(content)).toEqual({ answer: ANSWER });
    });

    it('keeps JSON valid when max_tokens cuts the answer, as long as the empty object fits', async () => {
      const completion = await adapter.chat(
        CHAT,
        chatBody({ response_format: { type: 'json_object' }, max_tokens: 9 }),
        live(),
      );
      const content = (firstChoice(completion)['message'] as { content: string }).content;
      const parsed = JSON.parse(content) as { answer: string };
      expect(ANSWER.startsWith(parsed.answer)).toBe(true);
      expect(parsed.answer.length).toBeGreaterThan(0);
      expect(countTokens(content)).toBeLessThanOrEqual(9);
      expect(firstChoice(completion)['finish_reason']).toBe('length');
    });

    it('answers with the offline sentence when the conversation has no context', async () => {
      const completion = await adapter.chat(
        CHAT,
        { model: 'local/chat', messages: [{ role: 'user', content: 'Hello?' }] },
        live(),
      );
      expect((firstChoice(completion)['message'] as { content: string }).content).toBe(
        `I am brainmesh's offline local model and found nothing in this conversation that answers "Hello?".`,
      );
    });

    it.each([
      ['no messages', { messages: [] }, 'messages must be a non-empty array'],
      ['a message without role', { messages: [{ content: 'hi' }] }, 'messages[0].role must be a string'],
      ['a non-object message', { messages: ['hi'] }, 'messages[0] must be an object'],
      ['max_tokens 0', { max_tokens: 0 }, 'max_tokens must be a positive integer'],
      ['fractional max_completion_tokens', { max_completion_tokens: 1.5 }, 'max_completion_tokens must be'],
      ['an unknown response_format', { response_format: { type: 'yaml' } }, 'response_format.type must be'],
    ])('rejects %s as bad_request (400)', async (_what, extra, message) => {
      const error = await rejection(
        adapter.chat(CHAT, chatBody(extra as Partial<ChatRequestBody>), live()),
        'bad_request',
      );
      expect(error.status).toBe(400);
      expect(error.options.upstreamMessage).toContain(message);
      expect(error.retryable).toBe(false);
    });

    it('rejects another upstream model as not_found (404)', async () => {
      const error = await rejection(adapter.chat(target('gpt-4o'), chatBody(), live()), 'not_found');
      expect(error.status).toBe(404);
      expect(error.message).toContain('"gpt-4o"');
      await rejection(adapter.chat(EMBED, chatBody(), live()), 'not_found');
    });

    it('rejects an already aborted call as cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      await rejection(adapter.chat(CHAT, chatBody(), controller.signal), 'cancelled');
    });
  });

  describe('chatStream', () => {
    it('streams the same answer word by word: role, content deltas, finish, then usage', async () => {
      const completion = await adapter.chat(CHAT, chatBody(), live());
      const stream = await adapter.chatStream(CHAT, chatBody({ stream: true }), live());
      const chunks = await collect(stream.chunks);

      const ids = new Set(chunks.map((c) => c.id));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^chatcmpl-local-/);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'local-chat')).toBe(
        true,
      );

      expect(chunks[0]?.choices).toEqual([
        { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ]);
      const contentChunks = chunks.slice(1, -2);
      const deltas = contentChunks.map((c) => (firstChoice(c)['delta'] as { content: string }).content);
      expect(deltas.join('')).toBe(ANSWER);
      expect(deltas).toHaveLength(ANSWER.split(' ').length);
      expect(deltas.slice(1).every((d) => d.startsWith(' ') && d.trim().length > 0)).toBe(true);
      expect(
        contentChunks.every((c) => firstChoice(c)['finish_reason'] === null && c.usage === undefined),
      ).toBe(true);

      expect(chunks.at(-2)?.choices).toEqual([
        { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      ]);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: completion.usage });
    });

    it('reports finish_reason length in the stream when max_tokens truncates', async () => {
      const stream = await adapter.chatStream(CHAT, chatBody({ max_tokens: 3 }), live());
      const chunks = await collect(stream.chunks);
      expect(firstChoice(chunks.at(-2) as ChatCompletionChunk)['finish_reason']).toBe('length');
      expect(chunks.at(-1)?.usage?.completion_tokens).toBeLessThanOrEqual(3);
    });

    it('stops with cancelled as soon as the signal aborts mid-stream', async () => {
      const controller = new AbortController();
      const stream = await adapter.chatStream(CHAT, chatBody(), controller.signal);
      const iterator = stream.chunks[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      expect((await iterator.next()).done).toBe(false);
      controller.abort();
      await rejection(iterator.next(), 'cancelled');
      expect((await iterator.next()).done).toBe(true);
    });

    it('rejects before streaming on bad requests, unknown models and aborted signals', async () => {
      await rejection(adapter.chatStream(CHAT, chatBody({ max_tokens: -1 }), live()), 'bad_request');
      await rejection(adapter.chatStream(target('local-embed'), chatBody(), live()), 'not_found');
      const controller = new AbortController();
      controller.abort();
      await rejection(adapter.chatStream(CHAT, chatBody(), controller.signal), 'cancelled');
    });
  });

  describe('embed', () => {
    const embedBody = (extra: Partial<EmbeddingsRequestBody> = {}): EmbeddingsRequestBody => ({
      model: 'local/embed',
      input: 'Routing requests to providers',
      ...extra,
    });
    const vectorOf = (embedding: number[] | string): number[] => {
      if (typeof embedding !== 'string') return embedding;
      const bytes = Buffer.from(embedding, 'base64');
      return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    };
    const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);

    it('returns one unit-length 384-dimension float vector per input, with token usage', async () => {
      const input = ['Routing requests to providers', 'the router routes each request to a provider'];
      const response = await adapter.embed(EMBED, embedBody({ input }), live());
      expect(response.object).toBe('list');
      expect(response.model).toBe('local-embed');
      expect(response.data.map((d) => [d.object, d.index])).toEqual([
        ['embedding', 0],
        ['embedding', 1],
      ]);
      for (const d of response.data) {
        const v = vectorOf(d.embedding);
        expect(Array.isArray(d.embedding)).toBe(true);
        expect(v).toHaveLength(384);
        expect(dot(v, v)).toBeCloseTo(1, 5);
      }
      const tokens = countTokens(input[0] as string) + countTokens(input[1] as string);
      expect(response.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    });

    it('scores similar texts higher than unrelated ones', async () => {
      const input = [
        'How do I reset my password?',
        'Steps to reset a forgotten password',
        'The weather in Paris is sunny today',
      ];
      const { data } = await adapter.embed(EMBED, embedBody({ input }), live());
      const [q, similar, unrelated] = data.map((d) => vectorOf(d.embedding)) as [
        number[],
        number[],
        number[],
      ];
      expect(dot(q, similar)).toBeGreaterThan(dot(q, unrelated) + 0.1);
    });

    it('is deterministic and also serves the hashing-384 alias', async () => {
      const a = await adapter.embed(EMBED, embedBody(), live());
      const b = await adapter.embed(target('hashing-384'), embedBody(), live());
      expect(b.model).toBe('hashing-384');
      expect(b.data[0]?.embedding).toEqual(a.data[0]?.embedding);
    });

    it('encodes base64 as little-endian float32, equal to the float output', async () => {
      const floats = await adapter.embed(EMBED, embedBody(), live());
      const base64 = await adapter.embed(EMBED, embedBody({ encoding_format: 'base64' }), live());
      const encoded = base64.data[0]?.embedding;
      expect(typeof encoded).toBe('string');
      expect(Buffer.from(encoded as string, 'base64')).toHaveLength(384 * 4);
      expect(vectorOf(encoded as string)).toEqual(floats.data[0]?.embedding);
    });

    it.each([1, 64, 1536, 4096])('honours dimensions: %i', async (dimensions) => {
      const { data } = await adapter.embed(EMBED, embedBody({ dimensions }), live());
      const v = vectorOf(data[0]?.embedding as number[]);
      expect(v).toHaveLength(dimensions);
      expect(dot(v, v)).toBeCloseTo(1, 5);
    });

    it.each([
      ['token arrays', { input: [1, 2, 3] }, 'does not accept token arrays'],
      ['arrays of token arrays', { input: [[1, 2]] }, 'does not accept token arrays'],
      ['an empty string', { input: '' }, 'input[0] must not be empty'],
      ['an empty list', { input: [] }, 'non-empty string or array'],
      ['a non-string item', { input: ['ok', { text: 'x' }] }, 'input[1] must be a string'],
      ['too many inputs', { input: Array.from({ length: 2049 }, () => 'x') }, 'at most 2048'],
      ['0 dimensions', { dimensions: 0 }, 'dimensions must be an integer from 1 to 4096'],
      ['4097 dimensions', { dimensions: 4097 }, 'dimensions must be an integer from 1 to 4096'],
      ['an unknown encoding', { encoding_format: 'hex' }, 'encoding_format must be'],
    ])('rejects %s as bad_request (400)', async (_what, extra, message) => {
      const body = embedBody(extra as Partial<EmbeddingsRequestBody>);
      const error = await rejection(adapter.embed(EMBED, body, live()), 'bad_request');
      expect(error.status).toBe(400);
      expect(error.options.upstreamMessage).toContain(message);
    });

    it('rejects the chat model as not_found and an aborted call as cancelled', async () => {
      await rejection(adapter.embed(CHAT, embedBody(), live()), 'not_found');
      const controller = new AbortController();
      controller.abort();
      await rejection(adapter.embed(EMBED, embedBody(), controller.signal), 'cancelled');
    });
  });
});

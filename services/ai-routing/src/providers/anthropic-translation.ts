/**
 * OpenAI chat completions ↔ Anthropic Messages, both ways, as pure functions (no I/O).
 *
 * Request (OpenAI → Anthropic):
 * - `system` / `developer` messages → the top-level `system` (joined by blank lines, wherever
 *   they appear in the conversation);
 * - user/assistant text and `image_url` parts (data URLs → base64 source, others → url source);
 * - assistant `tool_calls` → `tool_use` blocks (arguments parsed as JSON objects);
 * - `tool` messages → `tool_result` blocks in a user turn; consecutive turns of the same role are
 *   merged (so consecutive tool results form one user turn);
 * - `tools` (function tools) → `{name, description, input_schema}`; `tool_choice` auto/required/
 *   none/{function} → auto/any/none/tool; `parallel_tool_calls: false` → `disable_parallel_tool_use`;
 * - `max_completion_tokens` ?? `max_tokens` ?? 4096 → `max_tokens`; `stop` → `stop_sequences`;
 *   `temperature` (clamped to Anthropic's 0..1), `top_p`, `top_k`; `user` → `metadata.user_id`.
 *
 * Unsupported, with what happens:
 * - `response_format` json_object / json_schema: best effort only, an instruction appended to
 *   `system` (Anthropic has no JSON mode); `text` is ignored;
 * - `n` > 1 and content parts other than text/image_url (audio, files): rejected (bad_request);
 * - dropped silently: `logprobs`, `top_logprobs`, `logit_bias`, `presence_penalty`,
 *   `frequency_penalty`, `seed`, `store`, `metadata`, `service_tier`, `reasoning_effort`,
 *   `modalities`, `audio`, `prediction`, `stream_options` (usage is always reported), message `name`.
 *
 * Response (Anthropic → OpenAI): text blocks → `content`, `tool_use` → `tool_calls`
 * (thinking blocks are dropped); stop_reason end_turn/stop_sequence/pause_turn → stop,
 * max_tokens → length, tool_use → tool_calls, refusal → content_filter; usage input (+ cache
 * creation + cache read) → prompt_tokens, output → completion_tokens. Streams are translated
 * event by event ({@link AnthropicStreamTranslator}).
 */
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequestBody,
  UpstreamError,
} from '../domain/upstream';
import { upstreamErrorFromStreamEvent } from './http-errors';

/** `max_tokens` when the OpenAI request sets none (Anthropic requires one). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

type Json = Record<string, unknown>;

/** An Anthropic content block (loosely typed: blocks are passed on as built). */
export type AnthropicBlock = Json & { type: string };

/** One Anthropic conversation turn. */
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/** The Messages API request this module produces. */
export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: Array<{ name: string; description?: string; input_schema: unknown }>;
  tool_choice?: Json & { type: 'auto' | 'any' | 'tool' | 'none' };
  metadata?: { user_id: string };
  stream?: boolean;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, { upstreamMessage: message });
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function imageBlock(part: Json, where: string): AnthropicBlock {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
  if (typeof url !== 'string' || url.length === 0) throw invalid(`${where}: image_url needs a url`);
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

/** Text of a system/developer message (string or text parts). */
function plainText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw invalid(`${where}: content must be a string or an array of parts`);
  return content
    .map((part) => {
      if (isRecord(part) && (part.type === 'text' || part.type === 'refusal')) {
        const text = part.type === 'text' ? part.text : part.refusal;
        if (typeof text === 'string') return text;
      }
      throw invalid(`${where}: only text parts are supported here`);
    })
    .join('\n');
}

function contentBlocks(content: unknown, where: string, allowImages: boolean): AnthropicBlock[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid(`${where}: content must be a string or an array of parts`);
  const blocks: AnthropicBlock[] = [];
  content.forEach((part, j) => {
    if (!isRecord(part)) throw invalid(`${where}.content[${j}]: a part must be an object`);
    if (part.type === 'text' || part.type === 'refusal') {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (typeof text !== 'string') throw invalid(`${where}.content[${j}]: text must be a string`);
      if (text.length > 0) blocks.push({ type: 'text', text });
    } else if (part.type === 'image_url' && allowImages) {
      blocks.push(imageBlock(part, `${where}.content[${j}]`));
    } else {
      throw invalid(
        `${where}.content[${j}]: content part type '${String(part.type)}' is not supported by anthropic`,
      );
    }
  });
  return blocks;
}

function toolUseBlocks(toolCalls: unknown, where: string): AnthropicBlock[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw invalid(`${where}.tool_calls must be an array`);
  return toolCalls.map((call, j) => {
    const fn = isRecord(call) ? call.function : undefined;
    if (!isRecord(call) || typeof call.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string')
      throw invalid(`${where}.tool_calls[${j}] needs an id and a function name`);
    let input: unknown = {};
    const args = fn.arguments;
    if (typeof args === 'string' && args.trim().length > 0) {
      try {
        input = JSON.parse(args);
      } catch {
        throw invalid(`${where}.tool_calls[${j}].function.arguments is not valid JSON`);
      }
    } else if (isRecord(args)) {
      input = args;
    }
    if (!isRecord(input)) throw invalid(`${where}.tool_calls[${j}].function.arguments must be a JSON object`);
    return { type: 'tool_use', id: call.id, name: fn.name, input };
  });
}

function toolResultBlock(message: Json, where: string): AnthropicBlock {
  if (typeof message.tool_call_id !== 'string') throw invalid(`${where}.tool_call_id is required`);
  const block: AnthropicBlock = { type: 'tool_result', tool_use_id: message.tool_call_id };
  if (typeof message.content === 'string') {
    if (message.content.length > 0) block.content = message.content;
  } else {
    const blocks = contentBlocks(message.content, where, true);
    if (blocks.length > 0) block.content = blocks;
  }
  return block;
}

function toolChoice(choice: unknown, parallel: unknown): AnthropicRequest['tool_choice'] {
  let out: AnthropicRequest['tool_choice'];
  if (choice === undefined || choice === null || choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') return { type: 'none' };
  else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string')
    out = { type: 'tool', name: choice.function.name };
  else throw invalid(`tool_choice ${JSON.stringify(choice)} is not supported by anthropic`);
  if (parallel === false) out.disable_parallel_tool_use = true;
  return out;
}

function jsonInstruction(format: unknown): string | undefined {
  if (!isRecord(format) || format.type === 'text' || format.type === undefined) return undefined;
  if (format.type === 'json_object') return 'Respond with a single valid JSON object and nothing else.';
  if (format.type === 'json_schema') {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    return `Respond with a single valid JSON value matching this JSON schema, and nothing else: ${JSON.stringify(schema ?? {})}`;
  }
  throw invalid(`response_format type '${String(format.type)}' is not supported by anthropic`);
}

/**
 * An OpenAI chat request as an Anthropic Messages request for `model` (see the module doc for the
 * mapping and for what is unsupported). Throws `UpstreamError('bad_request')` for what cannot be
 * expressed.
 */
export function toAnthropicRequest(body: ChatRequestBody, model: string, stream: boolean): AnthropicRequest {
  if (!Array.isArray(body.messages)) throw invalid('messages must be an array');
  if (typeof body.n === 'number' && body.n > 1) throw invalid('n > 1 is not supported by anthropic');
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  body.messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = plainText(message.content, where);
        if (text.length > 0) system.push(text);
        break;
      }
      case 'user':
        push('user', contentBlocks(message.content, where, true));
        break;
      case 'assistant':
        push('assistant', [
          ...contentBlocks(message.content, where, false),
          ...toolUseBlocks(message.tool_calls, where),
        ]);
        break;
      case 'tool':
        push('user', [toolResultBlock(message, where)]);
        break;
      default:
        throw invalid(`${where}.role '${String(message.role)}' is not supported by anthropic`);
    }
  });
  const instruction = jsonInstruction(body.response_format);
  if (instruction !== undefined) system.push(instruction);

  const request: AnthropicRequest = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) request.system = system.join('\n\n');
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  const stopSequences = stop.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (stopSequences.length > 0) request.stop_sequences = stopSequences;
  if (typeof body.temperature === 'number') request.temperature = Math.min(1, Math.max(0, body.temperature));
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.top_k === 'number') request.top_k = body.top_k;
  if (typeof body.user === 'string' && body.user.length > 0) request.metadata = { user_id: body.user };
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    request.tools = body.tools.map((tool, j) => {
      const fn = isRecord(tool) ? tool.function : undefined;
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string')
        throw invalid(`tools[${j}]: only function tools are supported by anthropic`);
      const out: { name: string; description?: string; input_schema: unknown } = {
        name: fn.name,
        input_schema: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
      };
      if (typeof fn.description === 'string') out.description = fn.description;
      return out;
    });
    request.tool_choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
  }
  if (stream) request.stream = true;
  return request;
}

/** OpenAI `finish_reason` of an Anthropic `stop_reason`. */
export function finishReasonOf(stopReason: unknown): string | null {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Prompt tokens of an Anthropic usage: input plus cache writes and reads (all are billed input). */
function promptTokensOf(usage: Json): number {
  return (
    num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + num(usage.cache_read_input_tokens)
  );
}

/** An Anthropic message (non-streaming answer) as an OpenAI chat completion. */
export function fromAnthropicMessage(message: unknown, nowMs: number = Date.now()): ChatCompletion {
  if (!isRecord(message) || message.type !== 'message' || !Array.isArray(message.content))
    throw new UpstreamError('protocol', 'anthropic answered something that is not a message');
  let text = '';
  const toolCalls: Json[] = [];
  for (const block of message.content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use')
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
  }
  const assistant: Json = {
    role: 'assistant',
    content: text.length === 0 && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
  assistant.refusal = null;
  const usage = isRecord(message.usage) ? message.usage : {};
  const promptTokens = promptTokensOf(usage);
  const completionTokens = num(usage.output_tokens);
  const completion: ChatCompletion = {
    id: typeof message.id === 'string' ? message.id : '',
    object: 'chat.completion',
    created: Math.floor(nowMs / 1000),
    model: typeof message.model === 'string' ? message.model : '',
    choices: [
      { index: 0, message: assistant, logprobs: null, finish_reason: finishReasonOf(message.stop_reason) },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
  const cached = num(usage.cache_read_input_tokens);
  if (cached > 0 && completion.usage) completion.usage.prompt_tokens_details = { cached_tokens: cached };
  return completion;
}

/**
 * Translates an Anthropic event stream into OpenAI chunks, one event at a time:
 * message_start → a role chunk; text_delta → content deltas; a tool_use block → a tool call delta
 * with index/id/name, then its input_json_delta fragments as argument deltas; message_delta → the
 * finish_reason chunk; message_stop → a final usage chunk (`choices: []`). ping, thinking and
 * unknown events produce nothing; an `error` event throws its UpstreamError.
 */
export class AnthropicStreamTranslator {
  private id = '';
  private model: string;
  private readonly created: number;
  private promptTokens = 0;
  private completionTokens = 0;
  private readonly toolIndexByBlock = new Map<number, number>();
  private finished = false;

  constructor(
    fallbackModel: string,
    nowMs: number = Date.now(),
    private readonly providerName = 'anthropic',
  ) {
    this.model = fallbackModel;
    this.created = Math.floor(nowMs / 1000);
  }

  /** message_stop was seen: the stream is complete. */
  get done(): boolean {
    return this.finished;
  }

  /** Token counts so far (complete once `done`). */
  get usage(): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
    return {
      prompt_tokens: this.promptTokens,
      completion_tokens: this.completionTokens,
      total_tokens: this.promptTokens + this.completionTokens,
    };
  }

  /** The chunks one event becomes (often none). */
  translate(event: unknown): ChatCompletionChunk[] {
    if (!isRecord(event) || typeof event.type !== 'string')
      throw new UpstreamError('protocol', `${this.providerName} sent a stream event without a type`);
    switch (event.type) {
      case 'message_start': {
        const message = isRecord(event.message) ? event.message : {};
        if (typeof message.id === 'string') this.id = message.id;
        if (typeof message.model === 'string') this.model = message.model;
        const usage = isRecord(message.usage) ? message.usage : {};
        this.promptTokens = promptTokensOf(usage);
        this.completionTokens = num(usage.output_tokens);
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const block = isRecord(event.content_block) ? event.content_block : {};
        if (block.type === 'tool_use') {
          const toolIndex = this.toolIndexByBlock.size;
          this.toolIndexByBlock.set(num(event.index), toolIndex);
          return [
            this.chunk({
              tool_calls: [
                {
                  index: toolIndex,
                  id: block.id,
                  type: 'function',
                  function: { name: block.name, arguments: '' },
                },
              ],
            }),
          ];
        }
        if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0)
          return [this.chunk({ content: block.text })];
        return [];
      }
      case 'content_block_delta': {
        const delta = isRecord(event.delta) ? event.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text.length > 0)
          return [this.chunk({ content: delta.text })];
        if (
          delta.type === 'input_json_delta' &&
          typeof delta.partial_json === 'string' &&
          delta.partial_json.length > 0
        ) {
          const toolIndex = this.toolIndexByBlock.get(num(event.index));
          if (toolIndex === undefined)
            throw new UpstreamError('protocol', `${this.providerName} sent tool input for an unknown block`);
          return [
            this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] }),
          ];
        }
        return [];
      }
      case 'message_delta': {
        const usage = isRecord(event.usage) ? event.usage : {};
        if (typeof usage.output_tokens === 'number') this.completionTokens = usage.output_tokens;
        if (typeof usage.input_tokens === 'number') this.promptTokens = promptTokensOf(usage);
        const delta = isRecord(event.delta) ? event.delta : {};
        const finish = finishReasonOf(delta.stop_reason);
        return finish === null ? [] : [this.chunk({}, finish)];
      }
      case 'message_stop':
        this.finished = true;
        return [
          {
            id: this.id,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.model,
            choices: [],
            usage: this.usage,
          },
        ];
      case 'error':
        throw upstreamErrorFromStreamEvent(event.error, this.providerName);
      default:
        // ping, content_block_stop, thinking/signature/citation deltas, future event types.
        return [];
    }
  }

  private chunk(delta: Json, finishReason: string | null = null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }
}

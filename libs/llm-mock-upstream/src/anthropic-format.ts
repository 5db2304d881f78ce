/** Anthropic Messages API (`POST /v1/messages`), validated about as strictly as the real one. */
import { type Answer, type FormatSettings, type JsonAnswer, type SseAnswer, sseEvent } from './answer';
import {
  type Json,
  countWords,
  isRecord,
  nextId,
  sampleFromSchema,
  splitFixed,
  textOf,
  truncateWords,
} from './content';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<string, string> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit.',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  not_found_error: 'model: not found',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  timeout_error: 'Request timeout',
};

/** Top-level request fields the real API accepts (anything else: "Extra inputs are not permitted"). */
const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
]);

const BLOCK_TYPES = new Set([
  'text',
  'image',
  'document',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
]);

/** An Anthropic error body with the conventional `type` for the status. */
export function anthropicError(
  status: number,
  message?: string,
  headers?: Record<string, string>,
): JsonAnswer {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return {
    kind: 'json',
    status,
    headers,
    body: { type: 'error', error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? `HTTP ${status}` } },
  };
}

function invalid(message: string): JsonAnswer {
  return anthropicError(400, message);
}

/** Authentication and `anthropic-version`, checked like the real API. */
export function anthropicAuth(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  apiKey: string | undefined,
): JsonAnswer | undefined {
  if (apiKey !== undefined) {
    const key = headers['x-api-key'];
    if (key === undefined) return anthropicError(401, 'x-api-key header is required');
    if (key !== apiKey) return anthropicError(401, 'invalid x-api-key');
  }
  if (typeof headers['anthropic-version'] !== 'string' || headers['anthropic-version'] === '')
    return invalid('anthropic-version: header is required');
  return undefined;
}

function validate(body: Json): JsonAnswer | undefined {
  for (const key of Object.keys(body))
    if (!KNOWN_FIELDS.has(key)) return invalid(`${key}: Extra inputs are not permitted`);
  if (typeof body.model !== 'string') return invalid('model: Field required');
  if (body.max_tokens === undefined) return invalid('max_tokens: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    return invalid('max_tokens: Input should be a valid integer greater than or equal to 1');
  if (!Array.isArray(body.messages)) return invalid('messages: Field required');
  if (body.messages.length === 0) return invalid('messages: at least one message is required');
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1))
    return invalid('temperature: Input should be less than or equal to 1');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system))
    return invalid('system: Input should be a valid string or list');
  if (body.stop_sequences !== undefined && !Array.isArray(body.stop_sequences))
    return invalid('stop_sequences: Input should be a valid list');
  let pendingToolUse: Set<string> | undefined;
  for (let i = 0; i < body.messages.length; i++) {
    const m: unknown = body.messages[i];
    if (!isRecord(m)) return invalid(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant')
      return invalid(
        m.role === 'system'
          ? 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.'
          : `messages.${i}.role: Input should be 'user' or 'assistant'`,
      );
    const isFinalAssistant = i === body.messages.length - 1 && m.role === 'assistant';
    const blocks: unknown[] = Array.isArray(m.content) ? m.content : [];
    if (typeof m.content === 'string') {
      if (m.content.length === 0 && !isFinalAssistant)
        return invalid(
          `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
        );
    } else if (!Array.isArray(m.content)) {
      return invalid(`messages.${i}.content: Input should be a valid string or list`);
    } else if (blocks.length === 0 && !isFinalAssistant) {
      return invalid(
        `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    const toolResults = new Set<string>();
    const toolUses = new Set<string>();
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j];
      if (!isRecord(b) || typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type))
        return invalid(
          `messages.${i}.content.${j}: Input tag '${isRecord(b) ? String(b.type) : ''}' found using 'type' does not match any of the expected tags`,
        );
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text.length === 0))
        return invalid(`messages.${i}.content.${j}.text: text content blocks must be non-empty`);
      if (b.type === 'tool_use') {
        if (m.role !== 'assistant')
          return invalid(
            `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`,
          );
        if (typeof b.id !== 'string' || typeof b.name !== 'string' || !isRecord(b.input))
          return invalid(`messages.${i}.content.${j}.tool_use: id, name and an object input are required`);
        toolUses.add(b.id);
      }
      if (b.type === 'tool_result') {
        if (m.role !== 'user')
          return invalid(`messages.${i}.content.${j}: tool_result blocks are only allowed in user messages`);
        if (
          typeof b.tool_use_id !== 'string' ||
          pendingToolUse === undefined ||
          !pendingToolUse.has(b.tool_use_id)
        )
          return invalid(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        toolResults.add(b.tool_use_id);
      }
    }
    if (pendingToolUse !== undefined) {
      const missing = [...pendingToolUse].filter((id) => !toolResults.has(id));
      if (missing.length > 0)
        return invalid(
          `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
    }
    pendingToolUse = toolUses.size > 0 ? toolUses : undefined;
  }
  return undefined;
}

function promptWords(body: Json, messages: Json[]): number {
  let words = countWords(textOf(body.system));
  for (const m of messages) {
    words += countWords(textOf(m.content));
    if (Array.isArray(m.content))
      for (const b of m.content)
        if (isRecord(b) && b.type === 'tool_use') words += countWords(JSON.stringify(b.input));
  }
  return words;
}

/** `POST /v1/messages`. */
export function anthropicMessages(body: Json, settings: FormatSettings): Answer {
  const error = validate(body);
  if (error) return error;
  const model = body.model as string;
  const messages = (body.messages as unknown[]).filter(isRecord);
  const last = messages[messages.length - 1];
  const lastResults =
    last.role === 'user' && Array.isArray(last.content)
      ? last.content.filter((b): b is Json => isRecord(b) && b.type === 'tool_result')
      : [];
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const choice = isRecord(body.tool_choice) ? body.tool_choice : { type: 'auto' };

  const content: Json[] = [];
  let stopReason: string;
  if (tools.length > 0 && choice.type !== 'none' && lastResults.length === 0) {
    let tool = tools[0];
    if (choice.type === 'tool') {
      const chosen = tools.find((t) => t.name === choice.name);
      if (chosen === undefined)
        return invalid(`tool_choice: tool '${String(choice.name)}' not found in tools`);
      tool = chosen;
    }
    const name = typeof tool.name === 'string' ? tool.name : 'tool';
    // Claude usually announces a tool call, unless the tool choice forces it.
    if (choice.type === 'auto') content.push({ type: 'text', text: `I'll use the ${name} tool.` });
    content.push({
      type: 'tool_use',
      id: `toolu_01${nextId(22)}`,
      name,
      input: sampleFromSchema(tool.input_schema),
    });
    stopReason = 'tool_use';
  } else {
    let lastUserText = '';
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i].role !== 'user') continue;
      const texts = Array.isArray(messages[i].content)
        ? (messages[i].content as unknown[]).filter((b) => isRecord(b) && b.type === 'text')
        : messages[i].content;
      lastUserText = textOf(texts);
      if (lastUserText) break;
    }
    const text = settings.reply({
      provider: 'anthropic',
      model,
      lastUserText,
      lastToolResult:
        lastResults.length > 0 ? textOf(lastResults[lastResults.length - 1].content) : undefined,
      body,
    });
    const truncated = truncateWords(text, body.max_tokens as number);
    content.push({ type: 'text', text: truncated.text });
    stopReason = truncated.cut ? 'max_tokens' : 'end_turn';
  }

  const inputTokens = promptWords(body, messages);
  let outputTokens = 0;
  for (const b of content)
    outputTokens += b.type === 'text' ? countWords(b.text as string) : countWords(JSON.stringify(b.input));
  const id = `msg_01${nextId(22)}`;

  if (body.stream !== true) {
    return {
      kind: 'json',
      status: 200,
      body: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: outputTokens,
          service_tier: 'standard',
        },
      },
    };
  }

  const events: string[] = [];
  const emit = (data: Json) => events.push(sseEvent(data, data.type as string));
  emit({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
        service_tier: 'standard',
      },
    },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      emit({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) emit({ type: 'ping' });
      for (const piece of settings.streamChunks(block.text as string))
        emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else {
      emit({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      if (index === 0) emit({ type: 'ping' });
      emit({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const fragment of splitFixed(JSON.stringify(block.input), 8))
        emit({
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: fragment },
        });
    }
    emit({ type: 'content_block_stop', index });
  });
  emit({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  emit({ type: 'message_stop' });
  const answer: SseAnswer = {
    kind: 'sse',
    events,
    errorEvent: (message) =>
      sseEvent(
        { type: 'error', error: { type: 'overloaded_error', message: message ?? 'Overloaded' } },
        'error',
      ),
  };
  return answer;
}

/** `GET /v1/models` (Anthropic shape, when the request carries `anthropic-version`). */
export function anthropicModels(settings: FormatSettings): JsonAnswer {
  const data = settings.models.map((id) => ({
    type: 'model',
    id,
    display_name: id,
    created_at: '2025-01-01T00:00:00Z',
  }));
  return {
    kind: 'json',
    status: 200,
    body: {
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    },
  };
}

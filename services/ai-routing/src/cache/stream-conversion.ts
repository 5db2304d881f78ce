import type { ChatCompletion, ChatCompletionChunk } from '../domain/upstream';

/*
 * Streamed and non-streamed chat answers are one cache entry (a `chat.completion`): a streamed
 * answer is assembled into a completion to be stored, and a cached completion is replayed as chunks
 * to a streaming client.
 */

/** Top-level fields copied between a completion and its chunks (besides id/created/model/usage). */
const PASSED_FIELDS = ['system_fingerprint', 'service_tier'] as const;

interface ToolCallAcc {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
  extra: Record<string, unknown>;
}

interface ChoiceAcc {
  index: number;
  role?: string;
  content?: string;
  refusal?: string;
  toolCalls: Map<number, ToolCallAcc>;
  functionCall?: { name: string; arguments: string };
  finishReason: unknown;
  logprobs?: Record<string, unknown[]>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Assembles the chunks of one streamed answer into the `chat.completion` the same request would
 * have got unstreamed: per choice (by `index`) the role, the concatenated `content` (and
 * `refusal`), tool calls merged by their `index` (id/type/name as given, `arguments` concatenated;
 * likewise the legacy `function_call`), the last `finish_reason`, concatenated `logprobs`; `usage`
 * from the chunk that carries it. `content` is null when the answer has none (tool calls only).
 */
export function chunksToCompletion(chunks: readonly ChatCompletionChunk[]): ChatCompletion {
  const first = chunks[0];
  const completion: ChatCompletion = {
    id: first?.id ?? '',
    object: 'chat.completion',
    created: first?.created ?? 0,
    model: first?.model ?? '',
    choices: [],
  };
  const choices = new Map<number, ChoiceAcc>();
  for (const chunk of chunks) {
    for (const field of PASSED_FIELDS) {
      if (chunk[field] !== undefined && chunk[field] !== null) completion[field] = chunk[field];
    }
    if (chunk.usage) completion.usage = { ...chunk.usage };
    for (const choice of chunk.choices ?? []) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let acc = choices.get(index);
      if (!acc) {
        acc = { index, toolCalls: new Map(), finishReason: null };
        choices.set(index, acc);
      }
      mergeChoice(acc, choice);
    }
  }
  completion.choices = [...choices.values()].sort((a, b) => a.index - b.index).map(toChoice);
  return completion;
}

function mergeChoice(acc: ChoiceAcc, choice: Record<string, unknown>): void {
  if (choice.finish_reason !== undefined && choice.finish_reason !== null)
    acc.finishReason = choice.finish_reason;
  if (isRecord(choice.logprobs)) {
    acc.logprobs ??= {};
    for (const [field, items] of Object.entries(choice.logprobs)) {
      if (Array.isArray(items))
        acc.logprobs[field] = [...(acc.logprobs[field] ?? []), ...(items as unknown[])];
    }
  }
  const delta = isRecord(choice.delta) ? choice.delta : {};
  const role = str(delta.role);
  if (role) acc.role = role;
  const content = str(delta.content);
  if (content !== undefined) acc.content = (acc.content ?? '') + content;
  const refusal = str(delta.refusal);
  if (refusal !== undefined) acc.refusal = (acc.refusal ?? '') + refusal;
  if (isRecord(delta.function_call)) {
    acc.functionCall ??= { name: '', arguments: '' };
    const name = str(delta.function_call.name);
    if (name) acc.functionCall.name = name;
    acc.functionCall.arguments += str(delta.function_call.arguments) ?? '';
  }
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls as unknown[]) {
      if (!isRecord(call)) continue;
      const { index, id, type, function: fn, ...extra } = call;
      const at = typeof index === 'number' ? index : acc.toolCalls.size;
      let tool = acc.toolCalls.get(at);
      if (!tool) {
        tool = { name: '', arguments: '', extra: {} };
        acc.toolCalls.set(at, tool);
      }
      Object.assign(tool.extra, extra);
      if (str(id)) tool.id = str(id);
      if (str(type)) tool.type = str(type);
      if (isRecord(fn)) {
        const name = str(fn.name);
        if (name) tool.name = name;
        tool.arguments += str(fn.arguments) ?? '';
      }
    }
  }
}

function toChoice(acc: ChoiceAcc): Record<string, unknown> {
  const toolCalls = [...acc.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, t]) => ({
      ...t.extra,
      id: t.id ?? '',
      type: t.type ?? 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
  const hasCalls = toolCalls.length > 0 || acc.functionCall !== undefined;
  const message: Record<string, unknown> = {
    role: acc.role ?? 'assistant',
    content: acc.content === undefined || (acc.content === '' && hasCalls) ? null : acc.content,
  };
  if (acc.refusal !== undefined) message.refusal = acc.refusal;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (acc.functionCall) message.function_call = acc.functionCall;
  return {
    index: acc.index,
    message,
    logprobs: acc.logprobs ?? null,
    finish_reason: acc.finishReason ?? null,
  };
}

/** Options of {@link completionToChunks}. */
export interface CompletionToChunksOptions {
  /**
   * The client asked `stream_options.include_usage`: every chunk carries `usage: null` and a last
   * chunk with no choices carries the usage, as OpenAI streams it.
   */
  includeUsage: boolean;
}

/**
 * Replays a `chat.completion` as the chunks of a stream, per choice in index order: one chunk with
 * the role and the whole content (and refusal, logprobs), one with the tool calls (each whole,
 * indexed) or the legacy function call when there are any, one with the finish reason; then the
 * usage chunk when asked. `chunksToCompletion(completionToChunks(c))` gives `c` back.
 */
export function completionToChunks(
  completion: ChatCompletion,
  options: CompletionToChunksOptions,
): ChatCompletionChunk[] {
  const base = (): ChatCompletionChunk => {
    const chunk: ChatCompletionChunk = {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [],
    };
    for (const field of PASSED_FIELDS) if (completion[field] !== undefined) chunk[field] = completion[field];
    if (options.includeUsage) chunk.usage = null;
    return chunk;
  };
  const withChoice = (choice: Record<string, unknown>): ChatCompletionChunk => ({
    ...base(),
    choices: [choice],
  });

  const chunks: ChatCompletionChunk[] = [];
  const sorted = [...completion.choices].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
  for (const choice of sorted) {
    const index = typeof choice.index === 'number' ? choice.index : 0;
    const message = isRecord(choice.message) ? choice.message : {};
    const delta: Record<string, unknown> = {
      role: str(message.role) ?? 'assistant',
      content: typeof message.content === 'string' ? message.content : null,
    };
    if (typeof message.refusal === 'string') delta.refusal = message.refusal;
    const opening: Record<string, unknown> = { index, delta, finish_reason: null };
    if (choice.logprobs !== undefined && choice.logprobs !== null) opening.logprobs = choice.logprobs;
    chunks.push(withChoice(opening));

    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const toolCalls = (message.tool_calls as unknown[])
        .filter(isRecord)
        .map((call, i) => ({ ...call, index: i }));
      chunks.push(withChoice({ index, delta: { tool_calls: toolCalls }, finish_reason: null }));
    }
    if (isRecord(message.function_call)) {
      chunks.push(
        withChoice({ index, delta: { function_call: message.function_call }, finish_reason: null }),
      );
    }
    chunks.push(withChoice({ index, delta: {}, finish_reason: choice.finish_reason ?? null }));
  }
  if (options.includeUsage && completion.usage) chunks.push({ ...base(), usage: { ...completion.usage } });
  return chunks;
}

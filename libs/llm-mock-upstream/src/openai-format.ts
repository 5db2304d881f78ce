/**
 * OpenAI chat completions / embeddings / models, and Azure OpenAI's variant of them (same bodies,
 * plus content filter annotations; gateway errors in Azure's `{error:{code,message}}` shape).
 */
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
import { deterministicEmbedding, embeddingInputs, embeddingToBase64 } from './embeddings';

/** OpenAI proper, or Azure's variant of the same API. */
export type OpenAiFlavor = 'openai' | 'azure-openai';

const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

/** An OpenAI error body (`{error:{message,type,param,code}}`). */
export function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
  headers?: Record<string, string>,
): JsonAnswer {
  return { kind: 'json', status, headers, body: { error: { message, type, param, code } } };
}

/** An Azure gateway error body (`{error:{code,message}}`). */
export function azureError(status: number, code: string, message: string, headers?: Record<string, string>) {
  return { kind: 'json', status, headers, body: { error: { code, message } } } satisfies JsonAnswer;
}

/** The error a real OpenAI / Azure endpoint answers with for this status (fault injection). */
export function openAiStatusError(
  flavor: OpenAiFlavor,
  status: number,
  message: string | undefined,
  headers: Record<string, string>,
): JsonAnswer {
  if (flavor === 'azure-openai') {
    const defaults: Record<number, string> = {
      401: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      404: 'Resource not found',
      429: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.',
      500: 'The server had an error while processing your request. Sorry about that!',
      503: 'The service is temporarily unable to process your request. Please try again later.',
    };
    return azureError(status, String(status), message ?? defaults[status] ?? `HTTP ${status}`, headers);
  }
  if (status === 429)
    return openAiError(
      status,
      message ?? 'Rate limit reached for requests. Please try again later.',
      'requests',
      'rate_limit_exceeded',
      null,
      headers,
    );
  if (status === 401)
    return openAiError(
      status,
      message ?? 'Incorrect API key provided.',
      'invalid_request_error',
      'invalid_api_key',
      null,
      headers,
    );
  if (status === 404)
    return openAiError(
      status,
      message ?? 'The model does not exist or you do not have access to it.',
      'invalid_request_error',
      'model_not_found',
      null,
      headers,
    );
  if (status === 503)
    return openAiError(
      status,
      message ?? 'The engine is currently overloaded, please try again later.',
      'server_error',
      null,
      null,
      headers,
    );
  if (status >= 500)
    return openAiError(
      status,
      message ?? 'The server had an error while processing your request. Sorry about that!',
      'server_error',
      null,
      null,
      headers,
    );
  return openAiError(status, message ?? `HTTP ${status}`, 'invalid_request_error', null, null, headers);
}

/** 401 unless the request carries the configured key (OpenAI: Bearer; Azure: `api-key`). */
export function openAiAuth(
  flavor: OpenAiFlavor,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  apiKey: string | undefined,
): JsonAnswer | undefined {
  if (apiKey === undefined) return undefined;
  if (flavor === 'azure-openai') {
    if (headers['api-key'] === apiKey) return undefined;
    return openAiStatusError(flavor, 401, undefined, {});
  }
  const auth = headers.authorization;
  if (auth === `Bearer ${apiKey}`) return undefined;
  if (typeof auth !== 'string' || !auth.startsWith('Bearer '))
    return openAiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
      null,
    );
  const given = auth.slice(7);
  const masked = given.length > 8 ? `${given.slice(0, 3)}*****${given.slice(-4)}` : '*****';
  return openAiError(
    401,
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    'invalid_api_key',
  );
}

function badRequest(message: string, param: string | null = null, code: string | null = null): JsonAnswer {
  return openAiError(400, message, 'invalid_request_error', code, param);
}

/** Checks the tool message ordering rules OpenAI enforces. */
function checkToolMessages(messages: Json[]): JsonAnswer | undefined {
  let pending: Set<string> | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'tool') {
      const id = m.tool_call_id;
      if (pending === undefined || typeof id !== 'string' || !pending.has(id))
        return badRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      pending.delete(id);
      continue;
    }
    if (pending !== undefined && pending.size > 0)
      return badRequest(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
        'messages',
      );
    pending = undefined;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      pending = new Set();
      for (const call of m.tool_calls)
        if (isRecord(call) && typeof call.id === 'string') pending.add(call.id);
    }
  }
  return undefined;
}

interface ToolPlan {
  kind: 'tool';
  id: string;
  name: string;
  args: string;
}
interface TextPlan {
  kind: 'text';
  text: string;
  finish: 'stop' | 'length';
}

function planChat(
  body: Json,
  messages: Json[],
  settings: FormatSettings,
  flavor: OpenAiFlavor,
  model: string,
) {
  const last = messages[messages.length - 1];
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  if (tools.length > 0 && body.tool_choice !== 'none' && last.role !== 'tool') {
    let tool = tools[0];
    const choice = body.tool_choice;
    if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
      const chosen = tools.find(
        (t) => isRecord(t.function) && t.function.name === (choice.function as Json).name,
      );
      if (chosen === undefined)
        return badRequest(
          `Invalid value for 'tool_choice': no function named '${choice.function.name}' was specified in the 'tools' parameter.`,
          'tool_choice',
        );
      tool = chosen;
    }
    const fn = isRecord(tool.function) ? tool.function : {};
    const plan: ToolPlan = {
      kind: 'tool',
      id: `call_${nextId(24)}`,
      name: typeof fn.name === 'string' ? fn.name : 'tool',
      args: JSON.stringify(sampleFromSchema(fn.parameters)),
    };
    return plan;
  }
  let lastUserText = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') {
      lastUserText = textOf(messages[i].content);
      break;
    }
  }
  let text = settings.reply({
    provider: flavor,
    model,
    lastUserText,
    lastToolResult: last.role === 'tool' ? textOf(last.content) : undefined,
    body,
  });
  const format = isRecord(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') text = JSON.stringify({ reply: text });
  else if (format?.type === 'json_schema') {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    text = JSON.stringify(sampleFromSchema(schema));
  }
  const maxTokens =
    typeof body.max_completion_tokens === 'number'
      ? body.max_completion_tokens
      : typeof body.max_tokens === 'number'
        ? body.max_tokens
        : undefined;
  const truncated =
    format === undefined || format.type === 'text' ? truncateWords(text, maxTokens) : { text, cut: false };
  const plan: TextPlan = { kind: 'text', text: truncated.text, finish: truncated.cut ? 'length' : 'stop' };
  return plan;
}

function promptWords(messages: Json[]): number {
  let words = 0;
  for (const m of messages) {
    words += countWords(textOf(m.content));
    if (Array.isArray(m.tool_calls))
      for (const call of m.tool_calls)
        if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string')
          words += countWords(call.function.arguments);
  }
  return words;
}

/** `POST /v1/chat/completions` (OpenAI) and `/openai/deployments/{d}/chat/completions` (Azure). */
export function openAiChat(
  body: Json,
  flavor: OpenAiFlavor,
  model: string,
  settings: FormatSettings,
): Answer {
  if (flavor === 'openai' && typeof body.model !== 'string')
    return badRequest('you must provide a model parameter', null, null);
  if (!Array.isArray(body.messages))
    return badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (body.messages.length === 0)
    return badRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  const messages = body.messages.filter(isRecord);
  if (messages.length !== body.messages.length)
    return badRequest("Invalid type for 'messages': expected an array of objects.", 'messages');
  const stream = body.stream === true;
  if (!stream && body.stream_options !== undefined && body.stream_options !== null)
    return badRequest(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
    );
  const toolError = checkToolMessages(messages);
  if (toolError) return toolError;

  const plan = planChat(body, messages, settings, flavor, model);
  if (plan.kind === 'json') return plan;
  const responseModel = flavor === 'openai' ? model : typeof body.model === 'string' ? body.model : model;
  const promptTokens = promptWords(messages);
  const completionTokens =
    plan.kind === 'tool' ? countWords(plan.name) + countWords(plan.args) : countWords(plan.text);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const id = `chatcmpl-${nextId(29)}`;
  const created = Math.floor(Date.now() / 1000);
  const finishReason = plan.kind === 'tool' ? 'tool_calls' : plan.finish;

  if (!stream) {
    const message: Json =
      plan.kind === 'tool'
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: plan.id, type: 'function', function: { name: plan.name, arguments: plan.args } },
            ],
            refusal: null,
            annotations: [],
          }
        : { role: 'assistant', content: plan.text, refusal: null, annotations: [] };
    const choice: Json = { index: 0, message, logprobs: null, finish_reason: finishReason };
    const completion: Json = {
      id,
      object: 'chat.completion',
      created,
      model: responseModel,
      choices: [choice],
      usage,
      system_fingerprint: 'fp_mock',
    };
    if (flavor === 'azure-openai') {
      choice.content_filter_results = AZURE_FILTER;
      completion.prompt_filter_results = [{ prompt_index: 0, content_filter_results: AZURE_FILTER }];
    }
    return { kind: 'json', status: 200, body: completion };
  }

  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const events: string[] = [];
  const chunk = (choices: Json[], extra?: Json) => {
    const c: Json = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: responseModel,
      system_fingerprint: 'fp_mock',
      choices,
    };
    if (includeUsage) c.usage = null;
    if (extra) Object.assign(c, extra);
    events.push(sseEvent(c));
  };
  if (flavor === 'azure-openai')
    events.push(
      sseEvent({
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: AZURE_FILTER }],
      }),
    );
  if (plan.kind === 'tool') {
    chunk([
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: plan.id, type: 'function', function: { name: plan.name, arguments: '' } },
          ],
          refusal: null,
        },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    for (const fragment of splitFixed(plan.args, 8))
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: fragment } }] },
          logprobs: null,
          finish_reason: null,
        },
      ]);
  } else {
    chunk([
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    for (const piece of settings.streamChunks(plan.text))
      chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]);
  }
  chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]);
  if (includeUsage) chunk([], { usage });
  events.push('data: [DONE]\n\n');
  const answer: SseAnswer = {
    kind: 'sse',
    events,
    errorEvent: (message) =>
      sseEvent({
        error: {
          message: message ?? 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      }),
  };
  return answer;
}

/** `POST /v1/embeddings` (OpenAI) and `/openai/deployments/{d}/embeddings` (Azure). */
export function openAiEmbeddings(
  body: Json,
  flavor: OpenAiFlavor,
  model: string,
  settings: FormatSettings,
): Answer {
  if (flavor === 'openai' && typeof body.model !== 'string')
    return badRequest('you must provide a model parameter');
  const inputs = embeddingInputs(body.input);
  if (inputs === undefined)
    return badRequest(
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      'input',
    );
  let dimensions = settings.embeddingDimensions ?? (model.includes('large') ? 3072 : 1536);
  if (body.dimensions !== undefined) {
    if (typeof body.dimensions !== 'number' || !Number.isInteger(body.dimensions) || body.dimensions < 1)
      return badRequest(
        `Invalid value for 'dimensions' = ${String(body.dimensions)}. Must be at least 1.`,
        'dimensions',
      );
    dimensions = body.dimensions;
  }
  const base64 = body.encoding_format === 'base64';
  if (body.encoding_format !== undefined && body.encoding_format !== 'float' && !base64)
    return badRequest(
      `Invalid value for 'encoding_format': '${String(body.encoding_format)}'. Supported values are: 'float' and 'base64'.`,
      'encoding_format',
    );
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += input.tokens;
    const vector = deterministicEmbedding(input.key, dimensions);
    return { object: 'embedding', index, embedding: base64 ? embeddingToBase64(vector) : Array.from(vector) };
  });
  const responseModel = flavor === 'openai' ? model : typeof body.model === 'string' ? body.model : model;
  return {
    kind: 'json',
    status: 200,
    body: {
      object: 'list',
      data,
      model: responseModel,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

/** `GET /v1/models` (OpenAI shape). */
export function openAiModels(settings: FormatSettings): JsonAnswer {
  return {
    kind: 'json',
    status: 200,
    body: {
      object: 'list',
      data: settings.models.map((id) => ({
        id,
        object: 'model',
        created: 1700000000,
        owned_by: 'brainmesh-mock',
      })),
    },
  };
}

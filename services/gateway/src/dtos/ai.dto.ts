import { z } from '@brainmesh/config';
import type { airoutingV1 } from '@brainmesh/contracts';

/*
 * Request and response bodies of the OpenAI-compatible API and of the ai-routing admin API
 * (providers, routes, budgets, prices). The gateway checks shapes; ai-routing checks meaning
 * (a provider exists, a key belongs to the tenant, who may do what).
 */

const INT32_MAX = 2_147_483_647;
const int32 = () => z.number().int().min(0).max(INT32_MAX);
const usd = () => z.number().min(0).max(1e9);
const orNull = (v: string) => (v === '' ? null : v);

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible API: loose objects (unknown fields reach the provider as sent); OpenAI accepts
// `null` for every optional parameter, so do we.
// ---------------------------------------------------------------------------------------------

/** Message roles of the chat completions API. */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

/** One chat message: an object with a known role (content shapes vary by role and are passed through). */
export const ChatMessage = z.looseObject({ role: z.enum(CHAT_ROLES) });

/** `POST /v1/chat/completions` (shape only; unknown fields pass through to the provider). */
export const ChatCompletionBody = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  tools: z.array(z.looseObject({ type: z.string().min(1) })).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({})]).nullish(),
  response_format: z.looseObject({ type: z.string().min(1) }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().min(1).max(INT32_MAX).nullish(),
  max_completion_tokens: z.number().int().min(1).max(INT32_MAX).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
});
/** A shape-checked chat completion request. */
export type ChatCompletionInput = z.output<typeof ChatCompletionBody>;

const nonEmptyTokens = z.array(z.number().int().min(0)).min(1);

/** `POST /v1/embeddings` (shape only). */
export const EmbeddingsBody = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1),
    nonEmptyTokens,
    z.array(nonEmptyTokens).min(1),
  ]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().min(1).max(65_536).nullish(),
});
/** A shape-checked embeddings request. */
export type EmbeddingsInput = z.output<typeof EmbeddingsBody>;

/** The `chat.completion` object (documentation; the gateway relays the provider's JSON as is). */
export const ChatCompletionOut = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.looseObject({ index: z.number().int(), message: z.looseObject({}) })),
  usage: z
    .looseObject({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
    .optional(),
});

/** The embeddings response (documentation; relayed as is). */
export const EmbeddingsOut = z.looseObject({
  object: z.literal('list'),
  data: z.array(
    z.looseObject({
      object: z.literal('embedding'),
      index: z.number().int(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string(),
  usage: z.looseObject({ prompt_tokens: z.number(), total_tokens: z.number() }),
});

/** `GET /v1/models`. */
export const ModelListOut = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string(),
      object: z.literal('model'),
      created: z.number().int().describe('creation time of the route, Unix seconds'),
      owned_by: z.string().describe('`platform` or the owning tenant id'),
    }),
  ),
});

/** OpenAI's model list from ai-routing's models. */
export function modelListOut(models: airoutingV1.Model[]): z.output<typeof ModelListOut> {
  return {
    object: 'list',
    data: models.map((m) => ({
      id: m.id,
      object: 'model',
      created: Number(m.created) || 0,
      owned_by: m.ownedBy,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Admin API: strict objects (an unknown field is a 400 naming it).
// ---------------------------------------------------------------------------------------------

/** Provider types ai-routing has adapters for. */
export const PROVIDER_TYPES = ['openai', 'azure-openai', 'anthropic', 'local'] as const;
/** Route strategies. */
export const ROUTE_STRATEGIES = ['priority', 'weighted', 'least-latency', 'lowest-cost'] as const;
/** What a route serves. */
export const ROUTE_KINDS = ['chat', 'embeddings'] as const;
/** Whose spend a budget limits. */
export const BUDGET_SCOPES = ['tenant', 'api_key'] as const;
/** Budget periods (UTC). */
export const BUDGET_PERIODS = ['day', 'month'] as const;

const atLeastOneField = { message: 'send at least one field to change' };
const providerName = z.string().trim().min(1).max(100);
const baseUrl = z.url({ protocol: /^https?$/ }).max(2048);
const apiKey = z.string().min(1).max(8192);
const headerMap = z.record(
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'),
  z
    .string()
    .max(8192)
    .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must be a valid HTTP header value'),
);
const apiVersion = z.string().min(1).max(64);

/** `POST /v1/providers`; `api_key` and header values are write-only. */
export const CreateProviderBody = z.strictObject({
  name: providerName,
  type: z.enum(PROVIDER_TYPES),
  base_url: baseUrl.optional().describe('required for every type but `local`'),
  api_key: apiKey.optional(),
  headers: headerMap.optional().describe('extra headers sent upstream'),
  api_version: apiVersion.optional().describe('azure-openai only, e.g. 2024-10-21'),
});

/** `PATCH /v1/providers/:id`: only the fields present change (`headers` replaces all headers). */
export const UpdateProviderBody = z
  .strictObject({
    name: providerName.optional(),
    base_url: baseUrl.optional(),
    api_key: apiKey.optional().describe('rotates the stored key'),
    headers: headerMap.optional(),
    api_version: apiVersion.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, atLeastOneField);

/** A provider as answered (never its credentials). */
export const ProviderOut = z.object({
  id: z.uuid(),
  tenant_id: z.string().nullable().describe('null for platform-wide providers'),
  name: z.string(),
  type: z.enum(PROVIDER_TYPES),
  base_url: z.string(),
  has_api_key: z.boolean(),
  header_names: z.array(z.string()),
  api_version: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** One deployment of a route. */
export const DeploymentBody = z.strictObject({
  provider_id: z.uuid(),
  model: z.string().min(1).max(256).describe('upstream model (azure-openai: deployment name)'),
  priority: int32().default(0).describe('lower is tried first'),
  weight: int32().default(1).describe('relative share of traffic (weighted strategy)'),
  timeout_ms: int32().max(3_600_000).default(0).describe('one attempt; 0 = the default'),
  max_retries: z.number().int().min(0).max(10).default(0),
  input_price_per_mtok: usd().optional().describe('USD per million input tokens; default: price table'),
  output_price_per_mtok: usd().optional().describe('USD per million output tokens; default: price table'),
  context_window: int32().default(0).describe('tokens; 0 = unknown'),
});

const routeModel = z.string().min(1).max(256);
const deployments = z.array(DeploymentBody).min(1).max(32);
const limits = {
  cache_ttl_s: int32().describe('response cache TTL; 0 = only when the request asks (Cache-Control)'),
  rpm_per_key: int32().describe('requests per minute per API key or user; 0 = unlimited'),
  tpm_per_key: int32().describe('tokens per minute per API key or user; 0 = unlimited'),
  rpm: int32().describe('requests per minute for the tenant; 0 = unlimited'),
  tpm: int32().describe('tokens per minute for the tenant; 0 = unlimited'),
};

/** `POST /v1/routes`: a model name callers use, mapped to deployments. */
export const CreateRouteBody = z.strictObject({
  model: routeModel,
  strategy: z.enum(ROUTE_STRATEGIES),
  kind: z.enum(ROUTE_KINDS).default('chat'),
  deployments,
  cache_ttl_s: limits.cache_ttl_s.default(0),
  rpm_per_key: limits.rpm_per_key.default(0),
  tpm_per_key: limits.tpm_per_key.default(0),
  rpm: limits.rpm.default(0),
  tpm: limits.tpm.default(0),
});

/** `PATCH /v1/routes/:id`: only the fields present change (`deployments` replaces all). */
export const UpdateRouteBody = z
  .strictObject({
    model: routeModel.optional(),
    strategy: z.enum(ROUTE_STRATEGIES).optional(),
    deployments: deployments.optional(),
    cache_ttl_s: limits.cache_ttl_s.optional(),
    rpm_per_key: limits.rpm_per_key.optional(),
    tpm_per_key: limits.tpm_per_key.optional(),
    rpm: limits.rpm.optional(),
    tpm: limits.tpm.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, atLeastOneField);

/** A deployment as answered. */
export const DeploymentOut = z.object({
  provider_id: z.string(),
  provider_name: z.string(),
  model: z.string(),
  priority: z.number().int(),
  weight: z.number().int(),
  timeout_ms: z.number().int(),
  max_retries: z.number().int(),
  input_price_per_mtok: z.number().nullable().describe('null: from the price table'),
  output_price_per_mtok: z.number().nullable().describe('null: from the price table'),
  context_window: z.number().int(),
});

/** A route as answered. */
export const RouteOut = z.object({
  id: z.uuid(),
  tenant_id: z.string().nullable().describe('null for platform-wide routes'),
  model: z.string(),
  kind: z.enum(ROUTE_KINDS),
  strategy: z.enum(ROUTE_STRATEGIES),
  deployments: z.array(DeploymentOut),
  cache_ttl_s: z.number().int(),
  rpm_per_key: z.number().int(),
  tpm_per_key: z.number().int(),
  rpm: z.number().int(),
  tpm: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** `POST /v1/budgets`. */
export const CreateBudgetBody = z
  .strictObject({
    scope: z.enum(BUDGET_SCOPES),
    api_key_id: z.uuid().optional().describe('scope `api_key` only'),
    period: z.enum(BUDGET_PERIODS),
    limit_usd: usd(),
    hard: z.boolean().describe('hard budgets refuse calls (402) once reached; soft ones only alert'),
  })
  .superRefine((b, ctx) => {
    if (b.scope === 'api_key' && !b.api_key_id)
      ctx.addIssue({ code: 'custom', path: ['api_key_id'], message: 'required when scope is api_key' });
    if (b.scope === 'tenant' && b.api_key_id)
      ctx.addIssue({ code: 'custom', path: ['api_key_id'], message: 'only allowed when scope is api_key' });
  });

/** `PATCH /v1/budgets/:id`: only the fields present change. */
export const UpdateBudgetBody = z
  .strictObject({
    limit_usd: usd().optional(),
    hard: z.boolean().optional(),
    period: z.enum(BUDGET_PERIODS).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, atLeastOneField);

/** A budget as answered, with its spend in the current period. */
export const BudgetOut = z.object({
  id: z.uuid(),
  tenant_id: z.string(),
  scope: z.enum(BUDGET_SCOPES),
  api_key_id: z.string().nullable(),
  period: z.enum(BUDGET_PERIODS),
  limit_usd: z.number(),
  hard: z.boolean(),
  spent_usd: z.number(),
  period_start: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** One price table entry to create or replace. */
export const PriceBody = z.strictObject({
  model: z.string().min(1).max(256).describe('upstream model id'),
  input_per_mtok: usd().describe('USD per million input tokens'),
  output_per_mtok: usd().describe('USD per million output tokens'),
  context_window: int32().default(0).describe('tokens; 0 = unknown'),
});

/** `PUT /v1/prices` (platform operators). */
export const UpsertPricesBody = z.strictObject({ prices: z.array(PriceBody).min(1).max(1000) });

/** A price table entry as answered. */
export const PriceOut = z.object({
  model: z.string(),
  input_per_mtok: z.number(),
  output_per_mtok: z.number(),
  context_window: z.number().int(),
  updated_at: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Mapping between the snake_case wire and the gRPC messages.
// ---------------------------------------------------------------------------------------------

/** The wire form of a provider. */
export function providerOut(p: airoutingV1.Provider): z.output<typeof ProviderOut> {
  return {
    id: p.id,
    tenant_id: orNull(p.tenantId),
    name: p.name,
    type: p.type as z.output<typeof ProviderOut>['type'],
    base_url: p.baseUrl,
    has_api_key: p.hasApiKey,
    header_names: p.headerNames,
    api_version: orNull(p.apiVersion),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** The CreateProvider message fields of a create body. */
export function createProviderFields(
  b: z.output<typeof CreateProviderBody>,
): Omit<airoutingV1.CreateProviderRequest, 'actor'> {
  return {
    name: b.name,
    type: b.type,
    baseUrl: b.base_url ?? '',
    apiKey: b.api_key ?? '',
    headers: b.headers ?? {},
    apiVersion: b.api_version ?? '',
  };
}

/** The UpdateProvider message fields of a patch body (absent fields stay absent). */
export function updateProviderFields(
  b: z.output<typeof UpdateProviderBody>,
): Omit<airoutingV1.UpdateProviderRequest, 'actor' | 'id'> {
  return {
    name: b.name,
    baseUrl: b.base_url,
    apiKey: b.api_key,
    headers: b.headers === undefined ? undefined : { values: b.headers },
    apiVersion: b.api_version,
  };
}

function deploymentIn(d: z.output<typeof DeploymentBody>): airoutingV1.Deployment {
  return {
    providerId: d.provider_id,
    model: d.model,
    priority: d.priority,
    weight: d.weight,
    timeoutMs: d.timeout_ms,
    maxRetries: d.max_retries,
    inputPricePerMtok: d.input_price_per_mtok,
    outputPricePerMtok: d.output_price_per_mtok,
    contextWindow: d.context_window,
    providerName: '',
  };
}

function deploymentOut(d: airoutingV1.Deployment): z.output<typeof DeploymentOut> {
  return {
    provider_id: d.providerId,
    provider_name: d.providerName,
    model: d.model,
    priority: d.priority,
    weight: d.weight,
    timeout_ms: d.timeoutMs,
    max_retries: d.maxRetries,
    input_price_per_mtok: d.inputPricePerMtok ?? null,
    output_price_per_mtok: d.outputPricePerMtok ?? null,
    context_window: d.contextWindow,
  };
}

/** The Route message of a create body (id, tenant and times are set by ai-routing). */
export function routeIn(b: z.output<typeof CreateRouteBody>): airoutingV1.Route {
  return {
    id: '',
    tenantId: '',
    model: b.model,
    kind: b.kind,
    strategy: b.strategy,
    deployments: b.deployments.map(deploymentIn),
    cacheTtlS: b.cache_ttl_s,
    rpmPerKey: b.rpm_per_key,
    tpmPerKey: b.tpm_per_key,
    rpm: b.rpm,
    tpm: b.tpm,
    createdAt: '',
    updatedAt: '',
  };
}

/** The UpdateRoute message fields of a patch body (absent fields stay absent). */
export function updateRouteFields(
  b: z.output<typeof UpdateRouteBody>,
): Omit<airoutingV1.UpdateRouteRequest, 'actor' | 'id'> {
  return {
    model: b.model,
    strategy: b.strategy,
    deployments: b.deployments === undefined ? undefined : { values: b.deployments.map(deploymentIn) },
    cacheTtlS: b.cache_ttl_s,
    rpmPerKey: b.rpm_per_key,
    tpmPerKey: b.tpm_per_key,
    rpm: b.rpm,
    tpm: b.tpm,
  };
}

/** The wire form of a route. */
export function routeOut(r: airoutingV1.Route): z.output<typeof RouteOut> {
  return {
    id: r.id,
    tenant_id: orNull(r.tenantId),
    model: r.model,
    kind: (r.kind || 'chat') as z.output<typeof RouteOut>['kind'],
    strategy: r.strategy as z.output<typeof RouteOut>['strategy'],
    deployments: r.deployments.map(deploymentOut),
    cache_ttl_s: r.cacheTtlS,
    rpm_per_key: r.rpmPerKey,
    tpm_per_key: r.tpmPerKey,
    rpm: r.rpm,
    tpm: r.tpm,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** The CreateBudget message fields of a create body. */
export function createBudgetFields(
  b: z.output<typeof CreateBudgetBody>,
): Omit<airoutingV1.CreateBudgetRequest, 'actor'> {
  return {
    scope: b.scope,
    apiKeyId: b.api_key_id ?? '',
    period: b.period,
    limitUsd: b.limit_usd,
    hard: b.hard,
  };
}

/** The UpdateBudget message fields of a patch body (absent fields stay absent). */
export function updateBudgetFields(
  b: z.output<typeof UpdateBudgetBody>,
): Omit<airoutingV1.UpdateBudgetRequest, 'actor' | 'id'> {
  return { limitUsd: b.limit_usd, hard: b.hard, period: b.period };
}

/** The wire form of a budget. */
export function budgetOut(b: airoutingV1.Budget): z.output<typeof BudgetOut> {
  return {
    id: b.id,
    tenant_id: b.tenantId,
    scope: b.scope as z.output<typeof BudgetOut>['scope'],
    api_key_id: orNull(b.apiKeyId),
    period: b.period as z.output<typeof BudgetOut>['period'],
    limit_usd: b.limitUsd,
    hard: b.hard,
    spent_usd: b.spentUsd,
    period_start: b.periodStart,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

/** The Price messages of an upsert body. */
export function pricesIn(b: z.output<typeof UpsertPricesBody>): airoutingV1.Price[] {
  return b.prices.map((p) => ({
    model: p.model,
    inputPerMtok: p.input_per_mtok,
    outputPerMtok: p.output_per_mtok,
    contextWindow: p.context_window,
    updatedAt: '',
  }));
}

/** The wire form of a price table entry. */
export function priceOut(p: airoutingV1.Price): z.output<typeof PriceOut> {
  return {
    model: p.model,
    input_per_mtok: p.inputPerMtok,
    output_per_mtok: p.outputPerMtok,
    context_window: p.contextWindow,
    updated_at: p.updatedAt,
  };
}

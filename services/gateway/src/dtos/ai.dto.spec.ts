import type { airoutingV1 } from '@brainmesh/contracts';
import {
  budgetOut,
  ChatCompletionBody,
  CreateBudgetBody,
  CreateProviderBody,
  createProviderFields,
  CreateRouteBody,
  EmbeddingsBody,
  providerOut,
  routeIn,
  routeOut,
  UpdateProviderBody,
  updateProviderFields,
  UpdateRouteBody,
  updateRouteFields,
  UpsertPricesBody,
} from './ai.dto';

const PROVIDER_ID = '3f1d7c1e-9a2b-4c3d-8e4f-5a6b7c8d9e0f';
const fieldsAtFault = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.path.join('.'));

describe('OpenAI request shapes', () => {
  it('accepts what the openai and LangChain clients send, keeping unknown fields', () => {
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function' }] },
        { role: 'tool', tool_call_id: 't1', content: '42' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      response_format: { type: 'json_object' },
      temperature: null,
      n: 1,
      logit_bias: { '50256': -100 },
    };
    expect(ChatCompletionBody.parse(body)).toEqual(body);
  });

  it('names each field with the wrong shape', () => {
    expect(fieldsAtFault(ChatCompletionBody.safeParse({ model: '', messages: [] }))).toEqual([
      'model',
      'messages',
    ]);
    expect(
      fieldsAtFault(
        ChatCompletionBody.safeParse({
          model: 'm',
          messages: ['hi', { content: 'no role' }],
          stream: 'yes',
          max_tokens: 0,
          top_p: 2,
          tools: {},
        }),
      ),
    ).toEqual(['messages.0', 'messages.1.role', 'stream', 'tools', 'max_tokens', 'top_p']);
  });

  it('accepts every embeddings input form and refuses empty ones', () => {
    for (const input of ['text', ['a', 'b'], [1, 2, 3], [[1], [2, 3]]]) {
      expect(EmbeddingsBody.safeParse({ model: 'e', input }).success).toBe(true);
    }
    for (const input of ['', [], [[]], [''], [1.5], { text: 'x' }]) {
      expect(fieldsAtFault(EmbeddingsBody.safeParse({ model: 'e', input }))[0]).toMatch(/^input/);
    }
    expect(
      fieldsAtFault(EmbeddingsBody.safeParse({ model: 'e', input: 'x', encoding_format: 'int8' })),
    ).toEqual(['encoding_format']);
  });
});

describe('admin request shapes', () => {
  it('refuses unknown fields and bad enum values, naming them', () => {
    expect(
      fieldsAtFault(CreateProviderBody.safeParse({ name: 'p', type: 'gpt', base_url: 'ftp://x', secret: 1 })),
    ).toEqual(['type', 'base_url', '']);
    expect(
      CreateProviderBody.safeParse({ name: 'p', type: 'openai', secret: 1 }).error?.issues[0],
    ).toMatchObject({ code: 'unrecognized_keys', keys: ['secret'] });
    expect(
      fieldsAtFault(
        CreateRouteBody.safeParse({
          model: 'chat',
          strategy: 'random',
          kind: 'images',
          deployments: [{ provider_id: 'nope', model: 'm', weight: -1 }],
        }),
      ),
    ).toEqual(['strategy', 'kind', 'deployments.0.provider_id', 'deployments.0.weight']);
    // The type of a provider never changes: `type` is an unknown field of a patch.
    expect(UpdateProviderBody.safeParse({ type: 'openai' }).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['type'],
    });
    expect(UpdateRouteBody.safeParse({}).success).toBe(false);
  });

  it('ties api_key_id to the api_key scope', () => {
    const base = { period: 'month', limit_usd: 10, hard: true };
    expect(fieldsAtFault(CreateBudgetBody.safeParse({ ...base, scope: 'api_key' }))).toEqual(['api_key_id']);
    expect(
      fieldsAtFault(CreateBudgetBody.safeParse({ ...base, scope: 'tenant', api_key_id: PROVIDER_ID })),
    ).toEqual(['api_key_id']);
    expect(fieldsAtFault(CreateBudgetBody.safeParse({ ...base, scope: 'team', period: 'week' }))).toEqual([
      'scope',
      'period',
    ]);
    expect(
      fieldsAtFault(UpsertPricesBody.safeParse({ prices: [{ model: 'm', input_per_mtok: -1 }] })),
    ).toEqual(['prices.0.input_per_mtok', 'prices.0.output_per_mtok']);
  });
});

describe('mapping to and from the gRPC messages', () => {
  it('maps a provider body to the request and a provider to the wire without secrets', () => {
    const body = CreateProviderBody.parse({
      name: 'mock',
      type: 'openai',
      base_url: 'http://127.0.0.1:9999/v1',
      api_key: 'sk-secret',
      headers: { 'x-org': 'o1' },
    });
    expect(createProviderFields(body)).toEqual({
      name: 'mock',
      type: 'openai',
      baseUrl: 'http://127.0.0.1:9999/v1',
      apiKey: 'sk-secret',
      headers: { 'x-org': 'o1' },
      apiVersion: '',
    });
    const provider: airoutingV1.Provider = {
      id: PROVIDER_ID,
      tenantId: '',
      name: 'mock',
      type: 'openai',
      baseUrl: 'http://127.0.0.1:9999/v1',
      hasApiKey: true,
      headerNames: ['x-org'],
      apiVersion: '',
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: '2025-01-02T00:00:00Z',
    };
    expect(providerOut(provider)).toEqual({
      id: PROVIDER_ID,
      tenant_id: null,
      name: 'mock',
      type: 'openai',
      base_url: 'http://127.0.0.1:9999/v1',
      has_api_key: true,
      header_names: ['x-org'],
      api_version: null,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-02T00:00:00Z',
    });
  });

  it('sends only the fields a patch names', () => {
    expect(updateProviderFields(UpdateProviderBody.parse({ api_key: 'sk-new' }))).toEqual({
      name: undefined,
      baseUrl: undefined,
      apiKey: 'sk-new',
      headers: undefined,
      apiVersion: undefined,
    });
    expect(updateProviderFields(UpdateProviderBody.parse({ headers: {} })).headers).toEqual({ values: {} });
    const route = updateRouteFields(UpdateRouteBody.parse({ rpm_per_key: 0 }));
    expect(route).toMatchObject({ rpmPerKey: 0, deployments: undefined, model: undefined });
  });

  it('fills route defaults and round-trips a route', () => {
    const message = routeIn(
      CreateRouteBody.parse({
        model: 'chat',
        strategy: 'priority',
        deployments: [{ provider_id: PROVIDER_ID, model: 'gpt-4o-mini', input_price_per_mtok: 0.15 }],
        rpm_per_key: 1,
      }),
    );
    expect(message).toMatchObject({
      model: 'chat',
      kind: 'chat',
      strategy: 'priority',
      cacheTtlS: 0,
      rpmPerKey: 1,
      deployments: [
        {
          providerId: PROVIDER_ID,
          model: 'gpt-4o-mini',
          priority: 0,
          weight: 1,
          timeoutMs: 0,
          maxRetries: 0,
          inputPricePerMtok: 0.15,
          outputPricePerMtok: undefined,
          contextWindow: 0,
        },
      ],
    });
    const stored = { ...message, id: PROVIDER_ID, tenantId: 't1', createdAt: 'c', updatedAt: 'u' };
    stored.deployments[0]!.providerName = 'mock';
    expect(routeOut(stored)).toMatchObject({
      id: PROVIDER_ID,
      tenant_id: 't1',
      kind: 'chat',
      rpm_per_key: 1,
      deployments: [
        {
          provider_id: PROVIDER_ID,
          provider_name: 'mock',
          weight: 1,
          input_price_per_mtok: 0.15,
          output_price_per_mtok: null,
        },
      ],
    });
  });

  it('maps a budget with its spend', () => {
    const budget: airoutingV1.Budget = {
      id: PROVIDER_ID,
      tenantId: 't1',
      scope: 'tenant',
      apiKeyId: '',
      period: 'month',
      limitUsd: 100,
      hard: true,
      spentUsd: 12.5,
      periodStart: '2025-01-01T00:00:00Z',
      createdAt: 'c',
      updatedAt: 'u',
    };
    expect(budgetOut(budget)).toEqual({
      id: PROVIDER_ID,
      tenant_id: 't1',
      scope: 'tenant',
      api_key_id: null,
      period: 'month',
      limit_usd: 100,
      hard: true,
      spent_usd: 12.5,
      period_start: '2025-01-01T00:00:00Z',
      created_at: 'c',
      updated_at: 'u',
    });
  });
});

import { credentials } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { unaryCall } from '@brainmesh/grpc';
import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import { createTestDatabase, requireInfraEnv, waitFor, type TestDatabase } from '@brainmesh/testing';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { InProcessPlatform } from '../../src/in-process-platform';

interface Json {
  [key: string]: unknown;
}

const UPSTREAM_KEY = 'sk-mock-upstream-secret';

/**
 * The OpenAI-compatible API end to end: the official `openai` client and LangChain's ChatOpenAI
 * talk to the gateway, ai-routing routes to a real HTTP mock of OpenAI, every service on its real
 * Postgres database and Kafka. Providers, routes and budgets are set up through the admin API.
 */
describe('OpenAI-compatible API through the gateway', () => {
  const infra = requireInfraEnv();
  const databases: Record<string, TestDatabase> = {};
  let platform: InProcessPlatform;
  let mock: MockLlmUpstream;
  let url: string;
  let first: authV1.BootstrapResponse;
  /** Tenant A: an all-scopes key (admin + chat), its provider and routes. */
  let keyA: string;
  let providerA: Json;
  let routeA: Json;
  /** Tenant B: an all-scopes key. */
  let keyB: string;
  let ownerA: string;

  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: (text ? JSON.parse(text) : undefined) as Json,
    };
  };
  const login = async (email: string, password: string, tenant?: string) => {
    const res = await call('POST', '/v1/auth/login', {
      body: { email, password, ...(tenant ? { tenant } : {}) },
    });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const createKey = async (token: string, name: string, scopes: string[]) => {
    const res = await call('POST', '/v1/api-keys', { token, body: { name, scopes } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, key: res.body.key as string };
  };
  const openai = (apiKey: string) =>
    new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
  const createRoute = async (token: string, body: Json) => {
    const res = await call('POST', '/v1/routes', { token, body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const deployment = (extra: Json = {}) => ({ provider_id: providerA.id, model: 'gpt-4o-mini', ...extra });

  beforeAll(async () => {
    mock = await MockLlmUpstream.start({ apiKey: UPSTREAM_KEY });
    for (const name of ['auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics']) {
      databases[name] = await createTestDatabase(`oai_${name.replace('-', '_')}`, infra.pgUrl);
    }
    platform = new InProcessPlatform({
      eventBus: 'kafka',
      gatewayPort: 0,
      logLevel: 'error',
      serviceEnv: (name) =>
        name === 'gateway'
          ? { RATE_LIMITS: '{"ip":{"rps":50,"burst":1000},"default":{"rps":100,"burst":1000}}' }
          : {
              DATABASE_URL: databases[name]!.url,
              KAFKA_BROKERS: infra.kafkaBrokers.join(','),
              DATABASE_POOL_MAX: '4',
            },
    });
    url = (await platform.start()).gatewayUrl;
    const auth = new authV1.AuthServiceClient(
      platform.host('auth').address.grpcAddress,
      credentials.createInsecure(),
    );
    first = await unaryCall<authV1.BootstrapRequest, authV1.BootstrapResponse>(auth, 'bootstrap', {
      operatorEmail: '',
      ownerEmail: '',
    });
    auth.close();

    ownerA = await login(first.ownerEmail, first.ownerPassword, first.tenantSlug);
    keyA = (await createKey(ownerA, 'openai-compat', ['*'])).key;
    const operator = await login(first.operatorEmail, first.operatorPassword);
    const tenantB = await call('POST', '/v1/admin/tenants', {
      token: operator,
      body: {
        slug: 'oai-b',
        name: 'OAI B',
        owner_email: 'owner@oai-b.test',
        owner_password: 'a long password b',
      },
    });
    expect(tenantB.status).toBe(201);
    keyB = (await createKey(await login('owner@oai-b.test', 'a long password b', 'oai-b'), 'b', ['*'])).key;

    const provider = await call('POST', '/v1/providers', {
      token: keyA,
      body: { name: 'mock-a', type: 'openai', base_url: mock.openaiBaseUrl, api_key: UPSTREAM_KEY },
    });
    expect(provider.status).toBe(201);
    providerA = provider.body;
    routeA = await createRoute(keyA, { model: 'chat', strategy: 'priority', deployments: [deployment()] });
    await createRoute(keyA, {
      model: 'emb',
      kind: 'embeddings',
      strategy: 'priority',
      deployments: [deployment({ model: 'text-embedding-3-small' })],
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await mock?.close();
    await Promise.all(Object.values(databases).map((db) => db.drop()));
  }, 60_000);

  it('stores providers without ever returning their API key, and validates admin bodies', async () => {
    expect(providerA).toMatchObject({
      name: 'mock-a',
      type: 'openai',
      base_url: mock.openaiBaseUrl,
      has_api_key: true,
      tenant_id: first.tenantId,
    });
    const got = await call('GET', `/v1/providers/${String(providerA.id)}`, { token: keyA });
    const listed = await call('GET', '/v1/providers', { token: keyA });
    for (const res of [got, listed]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(UPSTREAM_KEY);
      expect(res.text).not.toMatch(/"api_key"/);
    }
    expect((listed.body.data as Json[]).map((p) => p.id)).toContain(providerA.id);
    expect(routeA).toMatchObject({
      model: 'chat',
      kind: 'chat',
      strategy: 'priority',
      deployments: [{ provider_id: providerA.id, provider_name: 'mock-a', model: 'gpt-4o-mini' }],
    });

    const badType = await call('POST', '/v1/providers', {
      token: keyA,
      body: { name: 'x', type: 'gpt', base_url: mock.openaiBaseUrl },
    });
    expect(badType.status).toBe(400);
    expect(badType.body.errors).toEqual([{ field: 'type', message: expect.any(String) }]);
    const unknownField = await call('POST', '/v1/routes', {
      token: keyA,
      body: { model: 'x', strategy: 'priority', deployments: [deployment()], colour: 'red' },
    });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body.errors)).toContain('colour');
    const badStrategy = await call('POST', '/v1/routes', {
      token: keyA,
      body: { model: 'x', strategy: 'random', deployments: [deployment()] },
    });
    expect((badStrategy.body.errors as Json[]).map((e) => e.field)).toEqual(['strategy']);
  });

  it('chat completion with the openai client: the mock answers, the routing headers say how', async () => {
    const { data, response } = await openai(keyA)
      .chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.content).toBe('Mock reply to: Hello there');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-brainmesh-route')).toBe('chat');
    expect(response.headers.get('x-brainmesh-deployment')).toBe('mock-a/gpt-4o-mini');
    expect(response.headers.get('x-brainmesh-cache')).toMatch(/^(miss|bypass)$/);
    expect(response.headers.get('x-brainmesh-cost-usd')).toMatch(/^\d+(\.\d+)?$/);
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    // The provider's key went upstream; the caller's brainmesh key did not.
    const upstream = mock.requests.at(-1)!;
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(upstream.headers)).not.toContain(keyA);
  });

  it('streams with include_usage: SSE chunks, the usage chunk, and the routing headers first', async () => {
    const { data: stream, response } = await openai(keyA)
      .chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: 'stream this please' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-brainmesh-route')).toBe('chat');
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe('Mock reply to: stream this please');
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('tools: the model calls a tool, then answers from the tool result', async () => {
    const client = openai(keyA);
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'chat', messages, tools });
    const toolCall = first.choices[0]!.message.tool_calls?.[0];
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(toolCall).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((toolCall as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments)).toEqual(
      {
        city: expect.any(String),
      },
    );
    const second = await client.chat.completions.create({
      model: 'chat',
      tools,
      messages: [
        ...messages,
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: toolCall!.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('Mock reply to tool result: sunny');
  });

  it('embeddings and the model list', async () => {
    const { data, response } = await openai(keyA)
      .embeddings.create({ model: 'emb', input: ['alpha', 'beta'] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding).toHaveLength(1536);
    expect(data.data[0]!.embedding).not.toEqual(data.data[1]!.embedding);
    expect(response.headers.get('x-brainmesh-route')).toBe('emb');

    const models = [];
    for await (const model of openai(keyA).models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['chat', 'emb']));
    expect(models.find((m) => m.id === 'chat')).toMatchObject({
      object: 'model',
      owned_by: expect.any(String),
    });
  });

  it('errors reach OpenAI clients as their error classes: 401, 404, 400, 413', async () => {
    const ask = (client: OpenAI, model = 'chat') =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

    await expect(ask(openai('bm_notarealkey000000000000000000000000000000'))).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const unknown = ask(openai(keyA), 'no-such-model');
    await expect(unknown).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(unknown).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });

    const wrongTypes = await call('POST', '/v1/chat/completions', {
      token: keyA,
      body: { model: 'chat', messages: [{ role: 'user', content: 'x' }], temperature: 'hot', stream: 'yes' },
    });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.headers.get('content-type')).toContain('application/problem+json');
    expect((wrongTypes.body.errors as Json[]).map((e) => e.field).sort()).toEqual(['stream', 'temperature']);
    expect(wrongTypes.body).toMatchObject({
      status: 400,
      request_id: expect.any(String),
      error: { type: 'invalid_request_error', param: expect.stringMatching(/^(stream|temperature)$/) },
    });
    const missing = openai(keyA).chat.completions.create({ model: 'chat' } as never);
    await expect(missing).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(missing).rejects.toMatchObject({ param: 'messages', type: 'invalid_request_error' });

    const huge = await call('POST', '/v1/chat/completions', {
      token: keyA,
      body: { model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] },
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ status: 413, error: { type: 'invalid_request_error' } });
  });

  it('429 once a route allows one request per minute per key, with Retry-After', async () => {
    await createRoute(keyA, {
      model: 'limited',
      strategy: 'priority',
      rpm_per_key: 1,
      deployments: [deployment()],
    });
    const client = openai(keyA);
    const ask = () =>
      client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] });
    await expect(ask()).resolves.toMatchObject({ object: 'chat.completion' });
    const refused = ask();
    await expect(refused).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const error = (await refused.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.code).toBe('rate_limit_exceeded');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('402 once a hard budget is spent', async () => {
    const key = await createKey(ownerA, 'budgeted', ['chat']);
    // 0.001 USD per token: a call of ~10 tokens in and at most 10 out costs about a cent.
    await createRoute(keyA, {
      model: 'metered',
      strategy: 'priority',
      deployments: [deployment({ input_price_per_mtok: 1000, output_price_per_mtok: 1000 })],
    });
    const budget = await call('POST', '/v1/budgets', {
      token: keyA,
      body: { scope: 'api_key', api_key_id: key.id, period: 'day', limit_usd: 0.05, hard: true },
    });
    expect(budget.status).toBe(201);
    expect(budget.body).toMatchObject({ scope: 'api_key', api_key_id: key.id, hard: true, spent_usd: 0 });
    const client = openai(key.key);
    const ask = () =>
      client.chat.completions.create({
        model: 'metered',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'spend' }],
      });
    let served = 0;
    const refused = await waitFor(
      async () => {
        const outcome = await ask().catch((e: unknown) => e);
        if (outcome instanceof OpenAI.APIError && outcome.status === 402) return outcome;
        if (outcome instanceof Error) throw outcome;
        served++;
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 0, description: 'the budget to refuse calls' },
    );
    expect(served).toBeGreaterThan(0);
    expect(refused).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
    const listed = await call('GET', '/v1/budgets', { token: keyA });
    const row = (listed.body.data as Json[]).find((b) => b.id === budget.body.id)!;
    expect(row.spent_usd as number).toBeGreaterThan(0);
    expect(row.spent_usd as number).toBeLessThanOrEqual(0.05);
    // Other keys of the tenant are not limited by this key's budget.
    await expect(
      openai(keyA).chat.completions.create({
        model: 'metered',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('LangChain ChatOpenAI invokes and streams through the gateway', async () => {
    const model = new ChatOpenAI({
      model: 'chat',
      apiKey: keyA,
      configuration: { baseURL: `${url}/v1` },
      maxRetries: 0,
    });
    const answer = await model.invoke('Hi from LangChain');
    expect(answer.content).toBe('Mock reply to: Hi from LangChain');
    let streamed = '';
    for await (const chunk of await model.stream('stream from LangChain')) streamed += String(chunk.content);
    expect(streamed).toBe('Mock reply to: stream from LangChain');
  });

  it('a client that leaves mid-stream makes the upstream request stop', async () => {
    mock.setStreamChunkDelay(200);
    try {
      const controller = new AbortController();
      const stream = await openai(keyA).chat.completions.create(
        {
          model: 'chat',
          messages: [{ role: 'user', content: 'a long answer with many words to stream slowly' }],
          stream: true,
        },
        { signal: controller.signal },
      );
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break;
      }
      controller.abort();
      const aborted = await mock.waitForAborted(1, 5_000);
      expect(aborted.at(-1)).toMatchObject({ stream: true, aborted: true, finished: false });
    } finally {
      mock.setStreamChunkDelay(0);
    }
  });

  it("keeps tenants apart: B cannot see, change or delete A's provider, route or budget, nor call A's model", async () => {
    const budget = await call('POST', '/v1/budgets', {
      token: keyA,
      body: { scope: 'tenant', period: 'month', limit_usd: 1000, hard: false },
    });
    expect(budget.status).toBe(201);
    const resources = [
      ['providers', providerA.id, { name: 'stolen' }],
      ['routes', routeA.id, { rpm: 1 }],
      ['budgets', budget.body.id, { limit_usd: 1 }],
    ] as const;
    for (const [kind, id, patch] of resources) {
      if (kind !== 'budgets')
        expect((await call('GET', `/v1/${kind}/${String(id)}`, { token: keyB })).status).toBe(404);
      expect((await call('PATCH', `/v1/${kind}/${String(id)}`, { token: keyB, body: patch })).status).toBe(
        404,
      );
      expect((await call('DELETE', `/v1/${kind}/${String(id)}`, { token: keyB })).status).toBe(404);
      const list = await call('GET', `/v1/${kind}`, { token: keyB });
      expect(list.status).toBe(200);
      expect((list.body.data as Json[]).map((r) => r.id)).not.toContain(id);
      // Still there for A, unchanged.
      const mine = await call('GET', `/v1/${kind}`, { token: keyA });
      expect((mine.body.data as Json[]).map((r) => r.id)).toContain(id);
    }
    const models = await call('GET', '/v1/models', { token: keyB });
    expect((models.body.data as Json[]).map((m) => m.id)).not.toContain('chat');
    const foreign = openai(keyB).chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(foreign).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});

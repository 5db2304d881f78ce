import { randomBytes, randomUUID } from 'node:crypto';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { airoutingV1, type authV1 } from '@brainmesh/contracts';
import { createGrpcClient, readProblem, unaryCall } from '@brainmesh/grpc';
import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import { ServiceHost } from '@brainmesh/runtime';
import {
  createTestDatabase,
  LogCapture,
  requireInfraEnv,
  waitFor,
  type TestDatabase,
} from '@brainmesh/testing';
import { Client as PgClient } from 'pg';
import { aiRoutingService } from '../../src/ai-routing.service';

type Client = airoutingV1.AiRoutingServiceClient;
type ChatEvent = airoutingV1.CreateChatCompletionResponse;

const key = () => `k${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`;
const user = (tenantId: string, role = 'owner'): authV1.Actor => ({
  subjectType: 'user',
  subjectId: randomUUID(),
  tenantId,
  role,
  scopes: [],
  plan: 'free',
});
const apiKeyActor = (tenantId: string, scopes = ['chat', 'embeddings']): authV1.Actor => ({
  subjectType: 'api_key',
  subjectId: randomUUID(),
  tenantId,
  role: '',
  scopes,
  plan: 'free',
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** ai-routing over gRPC on real Postgres, Kafka and Redis, calling a real mock provider over HTTP. */
describe('ai-routing service over gRPC (real Postgres, Kafka, Redis, mock provider)', () => {
  const infra = requireInfraEnv();
  const logs = new LogCapture();
  const keys = { old: key(), next: key() };
  let db: TestDatabase;
  let pg: PgClient;
  let mock: MockLlmUpstream;
  let host: ServiceHost;
  let client: Client;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const ownerA = user(tenantA);
  const ownerB = user(tenantB);
  const callerA = apiKeyActor(tenantA);

  /** Requests go through the generated `fromPartial`, as a real client builds them (proto defaults). */
  const call = <Res>(method: string, req: object) => {
    const type = `${method[0]!.toUpperCase()}${method.slice(1)}Request`;
    const message = (airoutingV1 as unknown as Record<string, { fromPartial(o: object): object }>)[
      type
    ]!.fromPartial(req);
    return unaryCall<object, Res>(client, method as never, message);
  };
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return status.OK;
    } catch (err) {
      return (err as { code: number }).code;
    }
  };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      const e = err as { code: number; metadata?: import('@grpc/grpc-js').Metadata };
      return { code: e.code, problem: readProblem(e.metadata) };
    }
    throw new Error('expected the call to fail');
  };

  async function startHost(secretKeys: string): Promise<void> {
    host = ServiceHost.fromEnv(
      aiRoutingService,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_URL: infra.redisUrl,
        EVENT_BUS: 'kafka',
        MIGRATE_ON_START: 'true',
        HTTP_PORT: '0',
        GRPC_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        GRPC_HOST: '127.0.0.1',
        DATABASE_POOL_MAX: '4',
        LOG_LEVEL: 'warn',
        PROVIDER_SECRET_KEYS: secretKeys,
        ROUTE_CACHE_TTL_MS: '0',
        USAGE_FLUSH_MS: '5',
      },
      { logDestination: logs },
    );
    await host.start();
    client = createGrpcClient(airoutingV1.AiRoutingServiceClient, host.address.grpcAddress, {
      deadlineMs: 20_000,
    });
  }

  async function provider(actor: authV1.Actor, name: string, apiKey = 'sk-mock-secret-123') {
    const res = await call<airoutingV1.CreateProviderResponse>('createProvider', {
      actor,
      name,
      type: 'openai',
      baseUrl: mock.openaiBaseUrl,
      apiKey,
      headers: { 'x-extra': 'extra-secret-value' },
    });
    return res.provider!;
  }

  async function route(actor: authV1.Actor, spec: Partial<airoutingV1.Route>) {
    const res = await call<airoutingV1.CreateRouteResponse>('createRoute', { actor, route: spec });
    return res.route!;
  }

  function chat(actor: authV1.Actor, body: object, cacheControl = '') {
    const stream: ClientReadableStream<ChatEvent> = client.createChatCompletion(
      airoutingV1.CreateChatCompletionRequest.fromPartial({
        actor,
        body: json(body),
        cacheControl,
        requestId: `req-${randomUUID()}`,
        batchChunks: true,
      }),
    );
    const events: ChatEvent[] = [];
    const done = new Promise<ChatEvent[]>((resolve, reject) => {
      stream.on('data', (e: ChatEvent) => events.push(e));
      stream.on('end', () => resolve(events));
      stream.on('error', reject);
    });
    return { stream, events, done };
  }
  const chunksOf = (events: ChatEvent[]) =>
    events
      .flatMap((e) => [e.chunk, ...e.chunks].filter((c) => c.length > 0))
      .map((c) => JSON.parse(c.toString('utf8')) as Record<string, unknown>);

  async function usageRows(where = 'true', params: unknown[] = []) {
    const { rows } = await pg.query(`SELECT * FROM usage_records WHERE ${where} ORDER BY created_at`, params);
    return rows as Array<Record<string, unknown>>;
  }

  beforeAll(async () => {
    db = await createTestDatabase('ai_routing', infra.pgUrl);
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    mock = await MockLlmUpstream.start({ apiKey: 'sk-mock-secret-123' });
    await startHost(keys.old);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await host?.stop();
    await pg?.end();
    await mock?.close();
    await db?.drop();
  }, 60_000);

  beforeEach(() => mock.reset());

  it('keeps provider credentials sealed, never returns them, and scopes providers to their tenant', async () => {
    const p = await provider(ownerA, 'openai-a');
    expect(p).toMatchObject({
      tenantId: tenantA,
      name: 'openai-a',
      hasApiKey: true,
      headerNames: ['x-extra'],
    });
    const listed = await call<airoutingV1.ListProvidersResponse>('listProviders', { actor: ownerA });
    expect(JSON.stringify(listed)).not.toContain('sk-mock-secret-123');
    expect(JSON.stringify(listed)).not.toContain('extra-secret-value');
    const { rows } = await pg.query('SELECT secret_sealed FROM providers WHERE id = $1', [p.id]);
    expect(rows[0].secret_sealed).toMatch(/^v1\./);
    expect(rows[0].secret_sealed).not.toContain('sk-mock-secret-123');

    // Tenant B sees nothing of A's, and cannot touch it.
    expect(
      (await call<airoutingV1.ListProvidersResponse>('listProviders', { actor: ownerB })).providers,
    ).toEqual([]);
    expect(await codeOf(call('getProvider', { actor: ownerB, id: p.id }))).toBe(status.NOT_FOUND);
    expect(await codeOf(call('updateProvider', { actor: ownerB, id: p.id, name: 'stolen' }))).toBe(
      status.NOT_FOUND,
    );
    expect(await codeOf(call('deleteProvider', { actor: ownerB, id: p.id }))).toBe(status.NOT_FOUND);
    // A route of B cannot use A's provider.
    const refused = await failure(
      route(ownerB, {
        model: 'steal',
        strategy: 'priority',
        deployments: [{ providerId: p.id, model: 'x' } as airoutingV1.Deployment],
      }),
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.problem?.errors).toEqual([
      { field: 'deployments[0].provider_id', message: 'no such provider' },
    ]);
    // API keys with chat scope only, and viewers, cannot manage providers.
    expect(await codeOf(provider(callerA, 'nope'))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(provider(user(tenantA, 'viewer'), 'nope'))).toBe(status.PERMISSION_DENIED);
  });

  it('answers a chat completion through a route, with usage recorded in the ledger and the outbox', async () => {
    const p = await provider(ownerA, 'openai-chat');
    await route(ownerA, {
      model: 'gpt-test',
      strategy: 'priority',
      deployments: [
        {
          providerId: p.id,
          model: 'mock-gpt',
          inputPricePerMtok: 1,
          outputPricePerMtok: 2,
        } as airoutingV1.Deployment,
      ],
    });
    const { done } = chat(callerA, {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    const events = await done;
    expect(events).toHaveLength(1);
    expect(events[0]!.start).toMatchObject({
      route: 'gpt-test',
      deployment: 'openai-chat/mock-gpt',
      cache: 'bypass',
    });
    const body = JSON.parse(events[0]!.chunk.toString('utf8'));
    expect(body.choices[0].message.content).toBe('Mock reply to: hello there');
    const usage = events[0]!.end!;
    expect(usage.promptTokens).toBe(body.usage.prompt_tokens);
    expect(usage.costUsd).toBeCloseTo(
      (body.usage.prompt_tokens * 1 + body.usage.completion_tokens * 2) / 1e6,
      9,
    );
    // The upstream got the credential and the extra header, and the upstream model name.
    const upstream = mock.requests[0]!;
    expect(upstream.headers.authorization).toBe('Bearer sk-mock-secret-123');
    expect(upstream.headers['x-extra']).toBe('extra-secret-value');
    expect(upstream.model).toBe('mock-gpt');

    await waitFor(
      async () => (await usageRows('tenant_id = $1 AND route = $2', [tenantA, 'gpt-test'])).length === 1,
    );
    const [row] = await usageRows('tenant_id = $1 AND route = $2', [tenantA, 'gpt-test']);
    expect(row).toMatchObject({
      status: 'ok',
      api_key_id: callerA.subjectId,
      deployment: 'openai-chat/mock-gpt',
      cache_hit: false,
    });
    const { rows: outbox } = await pg.query(
      "SELECT envelope FROM outbox_events WHERE type = 'usage.recorded' AND envelope->'data'->>'usage_id' = $1",
      [row!.id],
    );
    expect(outbox[0].envelope.data).toMatchObject({
      route: 'gpt-test',
      status: 'ok',
      prompt_tokens: body.usage.prompt_tokens,
    });
  });

  it('streams chunks with backpressure-friendly events and hides the usage chunk unless asked', async () => {
    const p = await provider(ownerA, 'openai-stream');
    await route(ownerA, {
      model: 'gpt-stream',
      strategy: 'priority',
      deployments: [{ providerId: p.id, model: 'mock-s' } as airoutingV1.Deployment],
    });
    const plain = await chat(callerA, {
      model: 'gpt-stream',
      stream: true,
      messages: [{ role: 'user', content: 'one two three' }],
    }).done;
    expect(plain[0]!.start?.deployment).toBe('openai-stream/mock-s');
    expect(plain.at(-1)!.end?.completionTokens).toBeGreaterThan(0);
    const chunks = chunksOf(plain);
    expect(
      chunks
        .map((c) => (c.choices as Array<{ delta: { content?: string } }>)[0]?.delta?.content ?? '')
        .join(''),
    ).toBe('Mock reply to: one two three');
    expect(chunks.some((c) => c.usage)).toBe(false);
    const withUsage = await chat(callerA, {
      model: 'gpt-stream',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    }).done;
    expect(chunksOf(withUsage).at(-1)!.usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  it('falls back to the next deployment on 500, then opens the breaker of a failing one', async () => {
    const p = await provider(ownerA, 'openai-fallback');
    await route(ownerA, {
      model: 'gpt-fallback',
      strategy: 'priority',
      deployments: [
        { providerId: p.id, model: 'primary', priority: 0, maxRetries: 1 } as airoutingV1.Deployment,
        { providerId: p.id, model: 'secondary', priority: 1 } as airoutingV1.Deployment,
      ],
    });
    mock.enqueueFault({ type: 'status', status: 500 }, { model: 'primary', times: 100 });
    const first = await chat(callerA, { model: 'gpt-fallback', messages: [{ role: 'user', content: 'hi' }] })
      .done;
    expect(first[0]!.start?.deployment).toBe('openai-fallback/secondary');
    expect(mock.requests.filter((r) => r.model === 'primary')).toHaveLength(2); // one try + one retry

    // Two more calls: 4 more failures on primary -> 5 consecutive failures open its breaker...
    for (let i = 0; i < 2; i++)
      await chat(callerA, { model: 'gpt-fallback', messages: [{ role: 'user', content: 'hi' }] }).done;
    const primaryCalls = mock.requests.filter((r) => r.model === 'primary').length;
    expect(primaryCalls).toBeGreaterThanOrEqual(5);
    // ...so the next calls go straight to the secondary.
    for (let i = 0; i < 3; i++)
      await chat(callerA, { model: 'gpt-fallback', messages: [{ role: 'user', content: 'hi' }] }).done;
    expect(mock.requests.filter((r) => r.model === 'primary')).toHaveLength(primaryCalls);
    await waitFor(async () => (await usageRows('route = $1', ['gpt-fallback'])).length === 6);
    expect((await usageRows('route = $1', ['gpt-fallback']))[0]).toMatchObject({ status: 'ok' });
  });

  it('speaks Anthropic and Azure OpenAI upstream, in the OpenAI shape for the caller (tools and streams)', async () => {
    const anthropic = (
      await call<airoutingV1.CreateProviderResponse>('createProvider', {
        actor: ownerA,
        name: 'anthropic-a',
        type: 'anthropic',
        baseUrl: mock.anthropicBaseUrl,
        apiKey: 'sk-mock-secret-123',
      })
    ).provider!;
    const azure = (
      await call<airoutingV1.CreateProviderResponse>('createProvider', {
        actor: ownerA,
        name: 'azure-a',
        type: 'azure-openai',
        baseUrl: mock.azureBaseUrl,
        apiKey: 'sk-mock-secret-123',
        apiVersion: '2024-10-21',
      })
    ).provider!;
    await route(ownerA, {
      model: 'claude',
      strategy: 'priority',
      deployments: [{ providerId: anthropic.id, model: 'claude-mock' } as airoutingV1.Deployment],
    });
    await route(ownerA, {
      model: 'azure-gpt',
      strategy: 'priority',
      deployments: [{ providerId: azure.id, model: 'my-deployment' } as airoutingV1.Deployment],
    });

    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const toolCall = await chat(callerA, {
      model: 'claude',
      tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    }).done;
    const message = JSON.parse(toolCall[0]!.chunk.toString('utf8')).choices[0];
    expect(message.finish_reason).toBe('tool_calls');
    expect(message.message.tool_calls[0].function.name).toBe('get_weather');
    expect(mock.requests.at(-1)).toMatchObject({ provider: 'anthropic', path: '/v1/messages' });
    expect(mock.requests.at(-1)!.headers['x-api-key']).toBe('sk-mock-secret-123');

    const streamed = await chat(callerA, {
      model: 'claude',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hello claude' }],
    }).done;
    const chunks = chunksOf(streamed);
    expect(
      chunks
        .map((c) => (c.choices as Array<{ delta: { content?: string } }>)[0]?.delta?.content ?? '')
        .join(''),
    ).toBe('Mock reply to: hello claude');
    expect(chunks.at(-1)!.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });

    const viaAzure = await chat(callerA, {
      model: 'azure-gpt',
      messages: [{ role: 'user', content: 'hi azure' }],
    }).done;
    expect(JSON.parse(viaAzure[0]!.chunk.toString('utf8')).choices[0].message.content).toBe(
      'Mock reply to: hi azure',
    );
    expect(mock.requests.at(-1)).toMatchObject({
      provider: 'azure-openai',
      path: '/openai/deployments/my-deployment/chat/completions',
      query: { 'api-version': '2024-10-21' },
    });
    expect(mock.requests.at(-1)!.headers['api-key']).toBe('sk-mock-secret-123');
  });

  it('least-latency sends traffic to the faster deployment once both were measured', async () => {
    const p = await provider(ownerA, 'openai-latency');
    await route(ownerA, {
      model: 'gpt-fast',
      strategy: 'least-latency',
      deployments: [
        { providerId: p.id, model: 'slow' } as airoutingV1.Deployment,
        { providerId: p.id, model: 'fast' } as airoutingV1.Deployment,
      ],
    });
    mock.enqueueFault({ type: 'latency', ms: 150 }, { model: 'slow', times: 100 });
    for (let i = 0; i < 8; i++)
      await chat(callerA, { model: 'gpt-fast', messages: [{ role: 'user', content: 'hi' }] }).done;
    const slow = mock.requests.filter((r) => r.model === 'slow').length;
    expect(slow).toBe(1); // explored once, never chosen again
    expect(mock.requests.filter((r) => r.model === 'fast')).toHaveLength(7);
  });

  it('never lets 50 parallel calls overshoot a hard budget by more than one call', async () => {
    const tenant = randomUUID();
    const owner = user(tenant);
    const caller = apiKeyActor(tenant);
    const p = await provider(owner, 'openai-budget');
    // 0.1 USD per output token: a call with max_tokens 10 can cost 1 USD at most.
    await route(owner, {
      model: 'pricey',
      strategy: 'priority',
      deployments: [
        {
          providerId: p.id,
          model: 'mock-pricey',
          inputPricePerMtok: 0,
          outputPricePerMtok: 100_000,
        } as airoutingV1.Deployment,
      ],
    });
    const budget = (
      await call<airoutingV1.CreateBudgetResponse>('createBudget', {
        actor: owner,
        scope: 'tenant',
        period: 'day',
        limitUsd: 5,
        hard: true,
      })
    ).budget!;
    mock.setLatency(30);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        chat(caller, {
          model: 'pricey',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        }).done.then(
          (events) => ({ ok: true as const, cost: events[0]!.end!.costUsd }),
          (err: { code: number; metadata: import('@grpc/grpc-js').Metadata }) => ({
            ok: false as const,
            err,
          }),
        ),
      ),
    );
    mock.setLatency(0);
    const ok = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    const spent = ok.reduce((sum, r) => sum + (r.ok ? r.cost : 0), 0);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(refused.length).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(5 + 1);
    for (const r of refused) {
      if (r.ok) continue;
      expect(r.err.code).toBe(status.FAILED_PRECONDITION);
      expect(readProblem(r.err.metadata)).toMatchObject({
        status: 402,
        extensions: { budget_id: budget.id },
      });
    }
    // Every call is in the ledger, refusals included, and the budget shows the spend.
    await waitFor(async () => (await usageRows('tenant_id = $1', [tenant])).length === 50);
    expect((await usageRows("tenant_id = $1 AND status = 'refused'", [tenant])).length).toBe(refused.length);
    const listed = await call<airoutingV1.ListBudgetsResponse>('listBudgets', { actor: owner });
    expect(listed.budgets[0]!.spentUsd).toBeCloseTo(spent, 6);
    // Cross-tenant: A cannot see or change B's budget.
    expect(
      (await call<airoutingV1.ListBudgetsResponse>('listBudgets', { actor: ownerA })).budgets.map(
        (b) => b.id,
      ),
    ).not.toContain(budget.id);
    expect(await codeOf(call('updateBudget', { actor: ownerA, id: budget.id, limitUsd: 1000 }))).toBe(
      status.NOT_FOUND,
    );
    expect(await codeOf(call('deleteBudget', { actor: ownerA, id: budget.id }))).toBe(status.NOT_FOUND);
  });

  it('lets calls through a soft budget and alerts once at 80 % and once at 100 %', async () => {
    const tenant = randomUUID();
    const owner = user(tenant);
    const caller = apiKeyActor(tenant);
    const p = await provider(owner, 'openai-soft');
    await route(owner, {
      model: 'soft',
      strategy: 'priority',
      deployments: [
        {
          providerId: p.id,
          model: 'mock-soft',
          inputPricePerMtok: 0,
          outputPricePerMtok: 100_000,
        } as airoutingV1.Deployment,
      ],
    });
    // Each call answers "Mock reply to: hi" = 4 completion tokens = 0.4 USD; the soft limit is 1 USD.
    const budget = (
      await call<airoutingV1.CreateBudgetResponse>('createBudget', {
        actor: owner,
        scope: 'api_key',
        apiKeyId: caller.subjectId,
        period: 'month',
        limitUsd: 1,
        hard: false,
      })
    ).budget!;
    expect(budget.periodStart).toMatch(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);
    expect(budget.spentUsd).toBe(0);
    for (let i = 0; i < 4; i++) {
      const events = await chat(caller, {
        model: 'soft',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }).done;
      expect(events[0]!.end!.costUsd).toBeCloseTo(0.4, 9);
    }
    const alerts = async () =>
      (
        await pg.query(
          "SELECT envelope FROM outbox_events WHERE type = 'budget.threshold_reached' AND envelope->'data'->>'budget_id' = $1",
          [budget.id],
        )
      ).rows.map(
        (r: { envelope: { data: { threshold: number; hard: boolean; api_key_id: string } } }) =>
          r.envelope.data,
      );
    await waitFor(async () => (await alerts()).length === 2);
    const sent = await alerts();
    expect(sent.map((a) => a.threshold).sort((a, b) => a - b)).toEqual([80, 100]);
    expect(sent[0]).toMatchObject({ hard: false, api_key_id: caller.subjectId });
    // The key's spend is its own: another key of the tenant is not counted.
    await chat(apiKeyActor(tenant), {
      model: 'soft',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }).done;
    const listed = await call<airoutingV1.ListBudgetsResponse>('listBudgets', { actor: owner });
    await waitFor(async () => (await usageRows('tenant_id = $1', [tenant])).length === 5);
    expect(listed.budgets.find((b) => b.id === budget.id)!.spentUsd).toBeCloseTo(1.6, 6);
  });

  it('answers repeated requests from the cache, also as a stream', async () => {
    const p = await provider(ownerA, 'openai-cache');
    await route(ownerA, {
      model: 'gpt-cached',
      strategy: 'priority',
      cacheTtlS: 60,
      deployments: [{ providerId: p.id, model: 'mock-c' } as airoutingV1.Deployment],
    });
    const body = { model: 'gpt-cached', messages: [{ role: 'user', content: `cache me ${randomUUID()}` }] };
    const miss = await chat(callerA, body).done;
    expect(miss[0]!.start?.cache).toBe('miss');
    const hit = await chat(callerA, body).done;
    expect(hit[0]!.start?.cache).toBe('hit');
    expect(hit[0]!.end?.costUsd).toBe(0);
    const streamed = await chat(callerA, { ...body, stream: true }).done;
    expect(streamed[0]!.start?.cache).toBe('hit');
    expect(
      chunksOf(streamed)
        .map((c) => (c.choices as Array<{ delta: { content?: string } }>)[0]?.delta?.content ?? '')
        .join(''),
    ).toBe(JSON.parse(miss[0]!.chunk.toString('utf8')).choices[0].message.content);
    expect(mock.requests).toHaveLength(1);
    const noStore = await chat(callerA, body, 'no-store').done;
    expect(noStore[0]!.start?.cache).toBe('bypass');
    expect(mock.requests).toHaveLength(2);
  });

  it('cancels the upstream request when the caller goes away mid-stream', async () => {
    const p = await provider(ownerA, 'openai-cancel');
    await route(ownerA, {
      model: 'gpt-cancel',
      strategy: 'priority',
      deployments: [{ providerId: p.id, model: 'mock-x' } as airoutingV1.Deployment],
    });
    mock.setStreamChunkDelay(200);
    const { stream, events, done } = chat(callerA, {
      model: 'gpt-cancel',
      stream: true,
      messages: [{ role: 'user', content: 'a b c d e f g h' }],
    });
    const outcome = done.then(
      () => 'ended',
      (err: { code: number }) => err.code,
    );
    await waitFor(() => events.length >= 2);
    stream.cancel();
    expect(await outcome).toBe(status.CANCELLED);
    const [aborted] = await mock.waitForAborted(1, 5_000);
    expect(aborted!.model).toBe('mock-x');
    mock.setStreamChunkDelay(0);
    await waitFor(async () => (await usageRows('route = $1', ['gpt-cancel'])).length === 1);
    expect((await usageRows('route = $1', ['gpt-cancel']))[0]).toMatchObject({
      status: 'error',
      error_class: 'cancelled',
    });
  });

  it('answers with the offline local provider and lists the models a tenant may call', async () => {
    const res = await chat(callerA, {
      model: 'local/chat',
      messages: [
        { role: 'system', content: 'The capital of France is Paris. Bananas are yellow.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    }).done;
    expect(JSON.parse(res[0]!.chunk.toString('utf8')).choices[0].message.content).toContain('Paris');
    const embedded = await call<airoutingV1.CreateEmbeddingsResponse>('createEmbeddings', {
      actor: callerA,
      body: json({ model: 'local/embed', input: ['hello world', 'goodbye'] }),
    });
    const emb = JSON.parse(embedded.body.toString('utf8'));
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0].embedding).toHaveLength(384);
    const models = await call<airoutingV1.ListModelsResponse>('listModels', { actor: callerA });
    expect(models.models.map((m) => m.id)).toEqual(
      expect.arrayContaining(['default', 'local/chat', 'local/embed', 'gpt-test']),
    );
    const modelsB = await call<airoutingV1.ListModelsResponse>('listModels', { actor: apiKeyActor(tenantB) });
    expect(modelsB.models.map((m) => m.id)).not.toContain('gpt-test');
    // B cannot call A's route: for B it does not exist.
    const refused = await failure(
      chat(apiKeyActor(tenantB), { model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] }).done,
    );
    expect(refused.code).toBe(status.NOT_FOUND);
    expect(refused.problem?.extensions).toMatchObject({ code: 'model_not_found' });
  });

  it('rejects bad bodies with the field at fault and charges nothing', async () => {
    const before = (await usageRows('tenant_id = $1', [tenantA])).length;
    const bad = await failure(chat(callerA, { model: 'local/chat', messages: 'hello' }).done);
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.problem?.errors?.[0]?.field).toBe('messages');
    const notJson = await failure(
      new Promise((resolve, reject) => {
        const s = client.createChatCompletion({
          actor: callerA,
          body: Buffer.from('{nope'),
          cacheControl: '',
          requestId: 'r',
          batchChunks: false,
        });
        s.on('data', () => undefined);
        s.on('end', resolve);
        s.on('error', reject);
      }),
    );
    expect(notJson.problem?.errors?.[0]?.field).toBe('body');
    await new Promise((r) => setTimeout(r, 50));
    expect((await usageRows('tenant_id = $1', [tenantA])).length).toBe(before);
  });

  it('reseals provider credentials with the new primary key on restart (rotation)', async () => {
    const p = await provider(ownerA, 'openai-rotate');
    await route(ownerA, {
      model: 'gpt-rotate',
      strategy: 'priority',
      deployments: [{ providerId: p.id, model: 'mock-r' } as airoutingV1.Deployment],
    });
    client.close();
    await host.stop();
    await startHost(`${keys.next},${keys.old}`);
    const kid = keys.next.split(':')[0]!;
    const { rows } = await pg.query('SELECT secret_sealed FROM providers WHERE secret_sealed IS NOT NULL');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.secret_sealed.startsWith(`v1.${kid}.`)).toBe(true);
    const res = await chat(callerA, {
      model: 'gpt-rotate',
      messages: [{ role: 'user', content: 'still works' }],
    }).done;
    expect(JSON.parse(res[0]!.chunk.toString('utf8')).choices[0].message.content).toBe(
      'Mock reply to: still works',
    );
  });
});

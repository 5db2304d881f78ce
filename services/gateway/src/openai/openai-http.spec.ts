import { Transform } from 'node:stream';
import { Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { airoutingV1, type authV1 } from '@brainmesh/contracts';
import { encodeProblem, PROBLEM_METADATA_KEY, type ProblemDetails } from '@brainmesh/grpc';
import { createLogger } from '@brainmesh/logging';
import {
  buildOpenApiDocument,
  installRouteTable,
  LOGGER,
  ProblemDetailsFilter,
  ProblemException,
  problem,
} from '@brainmesh/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import SwaggerParser from '@apidevtools/swagger-parser';
import OpenAI from 'openai';
import { AuthGuard } from '../auth/auth.guard';
import { BudgetsController } from '../controllers/budgets.controller';
import { ChatCompletionsController } from '../controllers/chat-completions.controller';
import { EmbeddingsController } from '../controllers/embeddings.controller';
import { ModelsController } from '../controllers/models.controller';
import { PricesController } from '../controllers/prices.controller';
import { ProvidersController } from '../controllers/providers.controller';
import { RoutesController } from '../controllers/routes.controller';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';
import { OpenAiErrorShaping } from './openai-error.hook';
import { OpenAiRelay } from './openai.relay';

/*
 * The OpenAI-compatible routes over real HTTP (Fastify on loopback), with ai-routing replaced by a
 * scripted fake: byte-for-byte relaying, SSE, cancellation, and the error shapes OpenAI SDKs read.
 */

const ACTOR: authV1.Actor = {
  subjectType: 'api_key',
  subjectId: '7f0c1a52-7d43-4a4c-a3f5-3c1f0b8f3b1e',
  tenantId: 'b7a1c2d3-0000-4000-8000-000000000001',
  role: '',
  scopes: ['*'],
  plan: 'free',
};
const START: airoutingV1.RoutingInfo = {
  route: 'chat',
  deployment: 'mock/gpt-4o-mini',
  cache: 'miss',
  upstreamModel: 'gpt-4o-mini',
};
const USAGE: airoutingV1.CallUsage = {
  promptTokens: 9,
  completionTokens: 2,
  estimated: false,
  costUsd: 0.0000375,
};
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
});
const chunkOf = (content: string) =>
  Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    }),
  );

function grpcError(code: GrpcStatus, details: string, problemDetails?: ProblemDetails) {
  const metadata = new Metadata();
  if (problemDetails) metadata.set(PROBLEM_METADATA_KEY, encodeProblem(problemDetails));
  return Object.assign(new Error(details), { code, details, metadata });
}

/** A scripted CreateChatCompletion call: written events arrive complete, as grpc-js decodes them. */
class FakeCall extends Transform {
  cancelled = false;
  constructor() {
    super({
      objectMode: true,
      transform: (event: airoutingV1.DeepPartial<airoutingV1.CreateChatCompletionResponse>, _enc, done) =>
        done(null, airoutingV1.CreateChatCompletionResponse.fromPartial(event)),
    });
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('error', grpcError(GrpcStatus.CANCELLED, 'Cancelled on client'));
  }
}

class FakeAiRouting {
  calls: { request: airoutingV1.CreateChatCompletionRequest; signal?: AbortSignal; call: FakeCall }[] = [];
  script: (call: FakeCall) => void = () => undefined;
  unary = jest.fn<Promise<unknown>, [string, unknown]>();

  streamChatCompletion(request: airoutingV1.CreateChatCompletionRequest, signal?: AbortSignal): FakeCall {
    const call = new FakeCall();
    signal?.addEventListener('abort', () => call.cancel(), { once: true });
    this.calls.push({ request, signal, call });
    setImmediate(() => this.script(call));
    return call;
  }

  call(method: string, request: unknown): Promise<unknown> {
    return this.unary(method, request);
  }
}

/** Authenticates `Bearer good` and sets a header the way the rate limiter does. */
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: authV1.Actor }>();
    if (request.headers.authorization !== 'Bearer good') {
      throw new ProblemException(problem(401, 'The API key is not valid.'));
    }
    request.actor = ACTOR;
    void context.switchToHttp().getResponse<FastifyReply>().header('ratelimit-limit', '100');
    return true;
  }
}

const aiRouting = new FakeAiRouting();
const logger = createLogger({ service: 'test', level: 'silent' });

@Module({
  controllers: [ChatCompletionsController, EmbeddingsController, ModelsController, ProvidersController],
  providers: [
    { provide: AiRoutingClientRepository, useValue: aiRouting },
    { provide: LOGGER, useValue: logger },
    OpenAiRelay,
    OpenAiErrorShaping,
  ],
})
class ProbeModule {}

describe('OpenAI-compatible routes over HTTP', () => {
  let app: NestFastifyApplication;
  let url: string;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const chat = { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] })
      .overrideGuard(AuthGuard)
      .useValue(new FakeAuthGuard())
      .compile();
    const adapter = new FastifyAdapter({ bodyLimit: 4096 });
    installRouteTable(adapter.getInstance());
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, {
      logger: false,
      bodyParser: false,
    });
    app.useGlobalFilters(new ProblemDetailsFilter(logger));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    aiRouting.calls = [];
    aiRouting.unary.mockReset();
  });

  it('relays a non-streaming completion byte for byte with the routing headers', async () => {
    aiRouting.script = (call) => call.end({ start: START, chunk: Buffer.from(COMPLETION), end: USAGE });
    const res = await post(
      '/v1/chat/completions',
      { ...chat, seed: 7, metadata: { a: 'b' } },
      {
        'cache-control': 'max-age=60',
        'x-request-id': 'req-42',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(COMPLETION);
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('x-brainmesh-')))).toEqual({
      'x-brainmesh-route': 'chat',
      'x-brainmesh-deployment': 'mock/gpt-4o-mini',
      'x-brainmesh-cache': 'miss',
      'x-brainmesh-cost-usd': '0.0000375',
    });
    const sent = aiRouting.calls[0]!.request;
    expect(sent.actor).toEqual(ACTOR);
    expect(sent.cacheControl).toBe('max-age=60');
    expect(sent.requestId).toEqual(expect.any(String));
    // Unknown fields reach ai-routing as sent.
    expect(JSON.parse(sent.body.toString())).toEqual({ ...chat, seed: 7, metadata: { a: 'b' } });
  });

  it('streams server-sent events: headers first, one data event per chunk, then [DONE]', async () => {
    aiRouting.script = (call) => {
      call.write({ start: START, chunk: Buffer.alloc(0) });
      call.write({ chunk: chunkOf('Hel') });
      call.write({ chunk: chunkOf('lo') });
      call.end({ chunk: Buffer.alloc(0), end: USAGE });
    };
    const res = await post('/v1/chat/completions', { ...chat, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-brainmesh-route')).toBe('chat');
    expect(res.headers.get('x-brainmesh-cache')).toBe('miss');
    // Headers set before the response was taken over (rate limits, request id) are kept.
    expect(res.headers.get('ratelimit-limit')).toBe('100');
    expect(await res.text()).toBe(
      `data: ${chunkOf('Hel').toString()}\n\ndata: ${chunkOf('lo').toString()}\n\ndata: [DONE]\n\n`,
    );
  });

  it('relays batched chunks, then [DONE] when the call ends', async () => {
    aiRouting.script = (c) => {
      c.write({ start: START, chunks: [chunkOf('Hel'), chunkOf('lo')] });
      c.write({ chunk: chunkOf(' wor'), chunks: [chunkOf('ld'), chunkOf('!')], end: USAGE });
      setTimeout(() => c.end(), 20); // ai-routing's bookkeeping after the answer
    };
    const res = await post('/v1/chat/completions', { ...chat, stream: true });
    expect(await res.text()).toBe(
      ['Hel', 'lo', ' wor', 'ld', '!'].map((t) => `data: ${chunkOf(t).toString()}\n\n`).join('') +
        'data: [DONE]\n\n',
    );
  });

  it('is read by the official openai client, streaming and not', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'good', maxRetries: 0 });
    aiRouting.script = (call) => call.end({ start: START, chunk: Buffer.from(COMPLETION), end: USAGE });
    const completion = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('Hello!');

    aiRouting.script = (call) => {
      call.write({ start: START, chunk: chunkOf('Hel') });
      call.end({ chunk: chunkOf('lo!'), end: USAGE });
    };
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello!');
  });

  it('answers problem+json with an OpenAI error member when the call fails before it started', async () => {
    aiRouting.script = (call) =>
      call.emit('error', grpcError(GrpcStatus.NOT_FOUND, 'no route', { detail: 'No model named gpt-x.' }));
    const res = await post('/v1/chat/completions', { ...chat, model: 'gpt-x', stream: true });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 404,
      title: 'Not Found',
      detail: 'No model named gpt-x.',
      request_id: expect.any(String),
      error: {
        message: 'No model named gpt-x.',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'good', maxRetries: 0 });
    const failure = client.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    await expect(failure).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(failure).rejects.toMatchObject({
      code: 'model_not_found',
      message: '404 No model named gpt-x.',
    });
  });

  it('ends a started stream with one error event that the openai client raises', async () => {
    aiRouting.script = (call) => {
      call.write({ start: START, chunk: chunkOf('Hel') });
      setImmediate(() =>
        call.emit(
          'error',
          grpcError(GrpcStatus.UNAVAILABLE, 'upstream', { status: 502, detail: 'Every deployment failed.' }),
        ),
      );
    };
    const res = await post('/v1/chat/completions', { ...chat, stream: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      `data: ${chunkOf('Hel').toString()}\n\n` +
        'data: {"error":{"message":"Every deployment failed.","type":"api_error","param":null,"code":null}}\n\n',
    );

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'good', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      ...chat,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const parts: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream) parts.push(part.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow('Every deployment failed.');
    expect(parts).toEqual(['Hel']);
  });

  it('cancels the gRPC call when the client disconnects mid-stream', async () => {
    aiRouting.script = (call) => call.write({ start: START, chunk: chunkOf('Hel') });
    const controller = new AbortController();
    const pending = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: JSON.stringify({ ...chat, stream: true }),
      signal: controller.signal,
    });
    const response = await pending;
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toContain('data: ');
    controller.abort();
    const last = aiRouting.calls.at(-1)!;
    await new Promise<void>((resolve) => {
      if (last.call.cancelled) resolve();
      else last.signal!.addEventListener('abort', () => resolve(), { once: true });
    });
    expect(last.call.cancelled).toBe(true);
  });

  it('names the field at fault in both the problem and the OpenAI error (400)', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      messages: [{ role: 'robot', content: 'x' }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string }[]; error: Record<string, unknown> };
    expect(body.errors.map((e) => e.field)).toEqual(['messages.0.role']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages.0.role', code: null });
    expect(body.error.message).toContain('messages.0.role');

    const missing = await post('/v1/chat/completions', { model: 'chat' });
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe('messages');
    const types = await post('/v1/chat/completions', { ...chat, temperature: 'hot', n: 0 });
    expect(
      ((await types.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort(),
    ).toEqual(['n', 'temperature']);
    expect(aiRouting.calls).toHaveLength(0);
  });

  it('shapes guard and body-parser errors too: 401, 413, 415', async () => {
    const unauthenticated = await post('/v1/chat/completions', chat, { authorization: 'Bearer bad' });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({
      status: 401,
      error: { type: 'authentication_error', code: 'invalid_api_key', message: 'The API key is not valid.' },
    });

    const huge = await post('/v1/chat/completions', { ...chat, padding: 'x'.repeat(8192) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({
      status: 413,
      error: { type: 'invalid_request_error', code: 'request_too_large' },
    });

    const form = await post('/v1/embeddings', 'input=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ status: 415, error: { type: 'invalid_request_error' } });
  });

  it('maps ai-routing refusals: 402 budget, 429 with Retry-After', async () => {
    aiRouting.script = (call) =>
      call.emit(
        'error',
        grpcError(GrpcStatus.FAILED_PRECONDITION, 'budget', {
          status: 402,
          detail: 'The monthly budget of this tenant is exhausted.',
          extensions: { budget_id: 'b1' },
        }),
      );
    const budget = await post('/v1/chat/completions', chat);
    expect(budget.status).toBe(402);
    expect(await budget.json()).toMatchObject({
      budget_id: 'b1',
      error: { type: 'insufficient_quota', code: 'budget_exceeded' },
    });

    aiRouting.unary.mockRejectedValueOnce(
      grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'rpm', {
        detail: 'Rate limit of route emb exceeded.',
        extensions: { retry_after_s: 2.4 },
      }),
    );
    const limited = await post('/v1/embeddings', { model: 'emb', input: 'hello' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({
      retry_after_s: 2.4,
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    });
  });

  it('relays embeddings and lists models in OpenAI shape', async () => {
    const embeddings = JSON.stringify({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
    aiRouting.unary.mockResolvedValueOnce({
      routing: { ...START, route: 'emb', cache: 'hit', deployment: '' },
      body: Buffer.from(embeddings),
      usage: { ...USAGE, costUsd: 0 },
    });
    const res = await post('/v1/embeddings', { model: 'emb', input: ['a', 'b'], encoding_format: 'float' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(embeddings);
    expect(res.headers.get('x-brainmesh-cache')).toBe('hit');
    expect(res.headers.get('x-brainmesh-cost-usd')).toBe('0');
    expect(res.headers.get('x-brainmesh-deployment')).toBeNull();
    const [method, request] = aiRouting.unary.mock.calls[0]!;
    expect(method).toBe('createEmbeddings');
    expect(JSON.parse((request as { body: Buffer }).body.toString())).toEqual({
      model: 'emb',
      input: ['a', 'b'],
      encoding_format: 'float',
    });

    const badInput = await post('/v1/embeddings', { model: 'emb', input: [] });
    expect(badInput.status).toBe(400);
    expect(((await badInput.json()) as { error: { param: string } }).error.param).toBe('input');

    aiRouting.unary.mockResolvedValueOnce({
      models: [{ id: 'chat', ownedBy: 'platform', created: '1700000000' }],
    });
    const models = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer good' } });
    expect(await models.json()).toEqual({
      object: 'list',
      data: [{ id: 'chat', object: 'model', created: 1_700_000_000, owned_by: 'platform' }],
    });
  });

  it('leaves the errors of other routes as plain problem+json', async () => {
    aiRouting.unary.mockRejectedValueOnce(
      grpcError(GrpcStatus.NOT_FOUND, 'no provider', { detail: 'No provider.' }),
    );
    const res = await fetch(`${url}/v1/providers/7f0c1a52-7d43-4a4c-a3f5-3c1f0b8f3b1e`, {
      headers: { authorization: 'Bearer good' },
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, detail: 'No provider.' });
    expect(body).not.toHaveProperty('error');
  });
});

describe('OpenAPI document of the AI routes', () => {
  it('documents every route with its request and response schemas, and validates', async () => {
    const document = buildOpenApiDocument(
      [
        ChatCompletionsController,
        EmbeddingsController,
        ModelsController,
        ProvidersController,
        RoutesController,
        BudgetsController,
        PricesController,
      ],
      { title: 'test', version: '0' },
    );
    const paths = document.paths as Record<string, Record<string, { requestBody?: unknown }>>;
    expect(
      Object.fromEntries(Object.entries(paths).map(([path, ops]) => [path, Object.keys(ops).sort()])),
    ).toEqual({
      '/v1/chat/completions': ['post'],
      '/v1/embeddings': ['post'],
      '/v1/models': ['get'],
      '/v1/providers': ['get', 'post'],
      '/v1/providers/{id}': ['delete', 'get', 'patch'],
      '/v1/routes': ['get', 'post'],
      '/v1/routes/{id}': ['delete', 'get', 'patch'],
      '/v1/budgets': ['get', 'post'],
      '/v1/budgets/{id}': ['delete', 'patch'],
      '/v1/prices': ['get', 'put'],
    });
    expect(paths['/v1/prices']!.put!.requestBody).toBeDefined();
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });
});

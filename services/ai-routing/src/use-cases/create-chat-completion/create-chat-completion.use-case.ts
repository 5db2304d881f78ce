import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import {
  cacheKey,
  cachePolicy,
  completionToChunks,
  chunksToCompletion,
  parseCacheControl,
  ResponseCacheStore,
} from '../../cache';
import type { AiRoutingConfig } from '../../config';
import { AiError } from '../../domain/ai-error';
import { microsToUsd } from '../../domain/budget-period';
import { actor, requirePermission, type CommandInput } from '../../domain/commands';
import type { RouteDeployment } from '../../domain/route';
import {
  countChatPromptTokens,
  countTokens,
  estimateTokensUpperBound,
  preloadTokenizer,
} from '../../domain/tokens';
import {
  UpstreamError,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequestBody,
} from '../../domain/upstream';
import { AdmissionGate, isRefusal, type Admitted } from '../../services/admission-gate';
import { CallAccounting, costMicros, type CallTokens } from '../../services/call-accounting';
import { callContext, elapsedMs, type CallContext } from '../../services/call-context';
import { toCallFailure } from '../../services/call-errors';
import type { CallUsageInfo, ChatSink, RoutingInfo } from '../../services/chat-sink';
import { RouteResolver, type CallableRoute } from '../../services/route-resolver';
import { UpstreamCaller } from '../../services/upstream-caller';
import { parseJsonBody } from '../../services/json-body';

export const CreateChatCompletionCommand = z.object({
  actor,
  body: z.instanceof(Uint8Array),
  cacheControl: z.string().max(1000).default(''),
  requestId: z.string().max(200).default(''),
});
export type CreateChatCompletionCommand = CommandInput<typeof CreateChatCompletionCommand>;

const ChatBody = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  tools: z.array(z.unknown()).optional(),
});

/**
 * An OpenAI chat completion through the caller's route: cache lookup, admission (budgets, RPM/TPM),
 * upstream with retries/fallback/breakers, streaming with backpressure (retries only before the
 * first chunk reaches the client), settle, cache store, and one usage record whatever happens.
 */
@Injectable()
export class CreateChatCompletionUseCase implements OnModuleInit {
  private readonly defaultMaxTokens: number;

  constructor(
    private readonly resolver: RouteResolver,
    private readonly gate: AdmissionGate,
    private readonly upstream: UpstreamCaller,
    private readonly accounting: CallAccounting,
    private readonly cache: ResponseCacheStore,
    @Inject(SERVICE_CONFIG) config: AiRoutingConfig,
  ) {
    this.defaultMaxTokens = config.DEFAULT_MAX_COMPLETION_TOKENS;
  }

  /** Loads the tokenizer (~0.2 s) at start-up rather than on the first call without provider usage. */
  onModuleInit(): void {
    preloadTokenizer();
  }

  async execute(input: CreateChatCompletionCommand, sink: ChatSink, signal: AbortSignal): Promise<void> {
    const command = CreateChatCompletionCommand.parse(input);
    requirePermission(command.actor, 'chat', command.actor.tenantId);
    const body = parseJsonBody(command.body, ChatBody) as z.output<typeof ChatBody> & ChatRequestBody;
    const callable = await this.resolver.resolve(command.actor.tenantId!, body.model, 'chat');
    if (!callable) throw AiError.modelNotFound(body.model, 'chat');
    const ctx = callContext(command.actor, command.requestId);
    const stream = body.stream === true;
    const includeUsage = stream && body.stream_options?.include_usage === true;

    const policy = cachePolicy(callable.route.cacheTtlS, parseCacheControl(command.cacheControl));
    const key =
      policy.read || policy.write
        ? cacheKey({ tenantId: ctx.tenantId, routeId: callable.route.id, kind: 'chat', body })
        : undefined;
    if (key && policy.read) {
      const cached = await this.cache.get(key, policy.maxAgeS);
      if (cached !== undefined) return this.replay(ctx, callable, cached, sink, stream, includeUsage);
    }

    const promptUpper =
      estimateTokensUpperBound(JSON.stringify(body.messages)) +
      (body.tools ? estimateTokensUpperBound(JSON.stringify(body.tools)) : 0);
    const maxOut = body.max_completion_tokens ?? body.max_tokens ?? this.defaultMaxTokens;
    const estimate = Math.max(
      0,
      ...callable.route.deployments.map((d) =>
        costMicros({ promptTokens: promptUpper, completionTokens: maxOut }, d),
      ),
    );
    const admitted = await this.gate.admit(ctx, callable.route, estimate, promptUpper + maxOut);
    if (isRefusal(admitted)) {
      void this.accounting.refused(ctx, base(callable, stream), admitted);
      throw admitted.error;
    }
    const cacheState: RoutingInfo['cache'] = key ? 'miss' : 'bypass';
    const run = stream
      ? this.streamed(ctx, callable, body, admitted, sink, signal, includeUsage, cacheState, {
          promptUpper,
          maxOut,
        })
      : this.unary(ctx, callable, body, admitted, sink, signal, cacheState, { promptUpper, maxOut });
    const answer = await run;
    if (key && policy.write && answer) await this.cache.set(key, answer(), policy.ttlS);
  }

  /** Non-streaming: returns the answer JSON (for the cache), built on demand. */
  private async unary(
    ctx: CallContext,
    callable: CallableRoute,
    body: ChatRequestBody,
    admitted: Admitted,
    sink: ChatSink,
    signal: AbortSignal,
    cacheState: RoutingInfo['cache'],
    estimate: { promptUpper: number; maxOut: number },
  ): Promise<(() => string) | undefined> {
    const request = { ...body, stream: false };
    delete request.stream_options;
    let result;
    try {
      result = await this.upstream.call(
        callable,
        { promptTokens: estimate.promptUpper, completionTokens: estimate.maxOut },
        signal,
        (adapter, target, attemptSignal) =>
          adapter.chat(target, { ...request, model: target.model }, attemptSignal),
      );
    } catch (err) {
      return this.fail(ctx, callable, admitted, err, false, null, zeroTokens, undefined);
    }
    const completion = result.value;
    const tokens = completionTokens(body, completion);
    const cost = costMicros(tokens, result.deployment);
    const json = JSON.stringify(completion);
    // The client gets its answer first; settling the budget and recording usage follow.
    sink.complete(routingInfo(callable, result.deployment, cacheState), json, usageInfo(tokens, cost));
    const thresholds = await this.gate.settle(admitted, cost, tokens.promptTokens + tokens.completionTokens);
    void this.accounting.record(ctx, {
      ...base(callable, false),
      deployment: result.deployment,
      providerType: callable.targets.get(result.deployment.key)?.type,
      tokens,
      costMicros: cost,
      ttftMs: elapsedMs(ctx),
      status: 'ok',
      errorClass: null,
      httpStatus: 200,
      cacheHit: false,
      attempts: result.attempts.length,
      thresholds,
    });
    return () => json;
  }

  /** Streaming: chunks go to the sink as they come; returns the assembled answer JSON (for the cache), built on demand. */
  private async streamed(
    ctx: CallContext,
    callable: CallableRoute,
    body: ChatRequestBody,
    admitted: Admitted,
    sink: ChatSink,
    signal: AbortSignal,
    includeUsage: boolean,
    cacheState: RoutingInfo['cache'],
    estimate: { promptUpper: number; maxOut: number },
  ): Promise<(() => string) | undefined> {
    const request = { ...body, stream: true };
    let result;
    try {
      // An attempt succeeds once the first chunk is in: until then, retries and fallbacks are safe.
      result = await this.upstream.call(
        callable,
        { promptTokens: estimate.promptUpper, completionTokens: estimate.maxOut },
        signal,
        async (adapter, target, attemptSignal) => {
          const upstream = await adapter.chatStream(
            target,
            { ...request, model: target.model },
            attemptSignal,
          );
          const iterator = upstream.chunks[Symbol.asyncIterator]();
          try {
            return { iterator, first: await iterator.next() };
          } catch (err) {
            await iterator.return?.();
            throw err;
          }
        },
      );
    } catch (err) {
      return this.fail(ctx, callable, admitted, err, true, null, zeroTokens, undefined);
    }

    const { deployment } = result;
    const { iterator } = result.value;
    let next = result.value.first;
    const chunks: ChatCompletionChunk[] = [];
    let reported: ChatCompletionChunk['usage'] = null;
    let ttftMs: number | null = null;
    sink.start(routingInfo(callable, deployment, cacheState));
    try {
      while (!next.done) {
        const chunk = next.value;
        chunks.push(chunk);
        if (chunk.usage) reported = chunk.usage;
        const usageOnly = chunk.choices.length === 0 && !!chunk.usage;
        if (ttftMs === null && !usageOnly) ttftMs = elapsedMs(ctx);
        if (!usageOnly || includeUsage) {
          const out: ChatCompletionChunk = includeUsage ? chunk : { ...chunk };
          if (!includeUsage) delete out.usage;
          await sink.chunk(JSON.stringify(out));
        }
        next = await iterator.next();
      }
    } catch (err) {
      await iterator.return?.().catch(() => undefined);
      const partial = streamTokens(body, chunks, null);
      return this.fail(
        ctx,
        callable,
        admitted,
        err,
        true,
        ttftMs,
        partial,
        deployment,
        result.attempts.length,
      );
    }
    const tokens = streamTokens(body, chunks, reported);
    const cost = costMicros(tokens, deployment);
    sink.end(usageInfo(tokens, cost));
    const thresholds = await this.gate.settle(admitted, cost, tokens.promptTokens + tokens.completionTokens);
    void this.accounting.record(ctx, {
      ...base(callable, true),
      deployment,
      providerType: callable.targets.get(deployment.key)?.type,
      tokens,
      costMicros: cost,
      ttftMs,
      status: 'ok',
      errorClass: null,
      httpStatus: 200,
      cacheHit: false,
      attempts: result.attempts.length,
      thresholds,
    });
    return () => JSON.stringify(chunksToCompletion(chunks));
  }

  /** Records the failure (charging what a broken stream already produced) and throws the client's error. */
  private async fail(
    ctx: CallContext,
    callable: CallableRoute,
    admitted: Admitted,
    err: unknown,
    stream: boolean,
    ttftMs: number | null,
    tokens: CallTokens,
    deployment: RouteDeployment | undefined,
    attempts = attemptsOf(err),
  ): Promise<never> {
    const failure = toCallFailure(err);
    const cost = costMicros(tokens, deployment);
    const thresholds =
      cost > 0 ? await this.gate.settle(admitted, cost, tokens.promptTokens + tokens.completionTokens) : [];
    if (cost === 0) await this.gate.release(admitted);
    void this.accounting.record(ctx, {
      ...base(callable, stream),
      deployment,
      providerType: deployment ? callable.targets.get(deployment.key)?.type : undefined,
      tokens,
      costMicros: cost,
      ttftMs,
      status: 'error',
      errorClass: failure.errorClass,
      httpStatus: failure.httpStatus,
      cacheHit: false,
      attempts,
      thresholds,
    });
    throw failure.error;
  }

  private async replay(
    ctx: CallContext,
    callable: CallableRoute,
    cached: string,
    sink: ChatSink,
    stream: boolean,
    includeUsage: boolean,
  ): Promise<void> {
    const completion = JSON.parse(cached) as ChatCompletion;
    const tokens: CallTokens = {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      estimated: false,
    };
    const info: RoutingInfo = {
      route: callable.route.model,
      deployment: '',
      cache: 'hit',
      upstreamModel: completion.model,
    };
    const usage = usageInfo(tokens, 0);
    if (stream) {
      sink.start(info);
      for (const chunk of completionToChunks(completion, { includeUsage }))
        await sink.chunk(JSON.stringify(chunk));
      sink.end(usage);
    } else {
      sink.complete(info, cached, usage);
    }
    void this.accounting.cacheHit(ctx, base(callable, stream), tokens);
  }
}

const zeroTokens: CallTokens = { promptTokens: 0, completionTokens: 0, estimated: false };

function base(callable: CallableRoute, stream: boolean) {
  return { kind: 'chat' as const, route: callable.route, stream };
}

function attemptsOf(err: unknown): number {
  const attempts = (err as { attempts?: unknown[] } | null)?.attempts;
  return Array.isArray(attempts) ? attempts.length : err instanceof UpstreamError ? 1 : 0;
}

function routingInfo(callable: CallableRoute, d: RouteDeployment, cache: RoutingInfo['cache']): RoutingInfo {
  return {
    route: callable.route.model,
    deployment: `${d.providerName}/${d.model}`,
    cache,
    upstreamModel: d.model,
  };
}

function usageInfo(tokens: CallTokens, cost: number): CallUsageInfo {
  return { ...tokens, costUsd: microsToUsd(cost) };
}

/** Usage of a non-streamed answer: the provider's, else counted with our tokenizer (marked estimated). */
function completionTokens(body: ChatRequestBody, completion: ChatCompletion): CallTokens {
  if (completion.usage)
    return {
      promptTokens: completion.usage.prompt_tokens,
      completionTokens: completion.usage.completion_tokens,
      estimated: false,
    };
  const text = completion.choices
    .map((c) => JSON.stringify((c as { message?: unknown }).message ?? ''))
    .join('');
  return {
    promptTokens: countChatPromptTokens(body.messages, body.tools),
    completionTokens: countTokens(text),
    estimated: true,
  };
}

/** Usage of a stream: the provider's final usage chunk, else counted from what was streamed. */
function streamTokens(
  body: ChatRequestBody,
  chunks: ChatCompletionChunk[],
  reported: ChatCompletionChunk['usage'],
): CallTokens {
  if (reported)
    return {
      promptTokens: reported.prompt_tokens,
      completionTokens: reported.completion_tokens,
      estimated: false,
    };
  let text = '';
  for (const chunk of chunks)
    for (const choice of chunk.choices) {
      const delta = (choice as { delta?: { content?: unknown; tool_calls?: unknown } }).delta;
      if (typeof delta?.content === 'string') text += delta.content;
      if (delta?.tool_calls) text += JSON.stringify(delta.tool_calls);
    }
  return {
    promptTokens: countChatPromptTokens(body.messages, body.tools),
    completionTokens: countTokens(text),
    estimated: true,
  };
}

import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { cacheKey, cachePolicy, parseCacheControl, ResponseCacheStore } from '../../cache';
import { AiError } from '../../domain/ai-error';
import { microsToUsd } from '../../domain/budget-period';
import { actor, requirePermission, type CommandInput } from '../../domain/commands';
import { countTokens, estimateTokensUpperBound } from '../../domain/tokens';
import type { EmbeddingsRequestBody, EmbeddingsResponse } from '../../domain/upstream';
import { AdmissionGate, isRefusal } from '../../services/admission-gate';
import { CallAccounting, costMicros, type CallTokens } from '../../services/call-accounting';
import { callContext, elapsedMs } from '../../services/call-context';
import { toCallFailure } from '../../services/call-errors';
import type { CallUsageInfo, RoutingInfo } from '../../services/chat-sink';
import { parseJsonBody } from '../../services/json-body';
import { RouteResolver } from '../../services/route-resolver';
import { UpstreamCaller } from '../../services/upstream-caller';

export const CreateEmbeddingsCommand = z.object({
  actor,
  body: z.instanceof(Uint8Array),
  cacheControl: z.string().max(1000).default(''),
  requestId: z.string().max(200).default(''),
});
export type CreateEmbeddingsCommand = CommandInput<typeof CreateEmbeddingsCommand>;

const EmbeddingsBody = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1),
  ]),
});

export interface EmbeddingsResult {
  routing: RoutingInfo;
  body: string;
  usage: CallUsageInfo;
}

/** An OpenAI embeddings call through the caller's route (cache, admission, fallback, accounting). */
@Injectable()
export class CreateEmbeddingsUseCase {
  constructor(
    private readonly resolver: RouteResolver,
    private readonly gate: AdmissionGate,
    private readonly upstream: UpstreamCaller,
    private readonly accounting: CallAccounting,
    private readonly cache: ResponseCacheStore,
  ) {}

  async execute(input: CreateEmbeddingsCommand, signal: AbortSignal): Promise<EmbeddingsResult> {
    const command = CreateEmbeddingsCommand.parse(input);
    requirePermission(command.actor, 'embeddings', command.actor.tenantId);
    const body = parseJsonBody(command.body, EmbeddingsBody) as z.output<typeof EmbeddingsBody> &
      EmbeddingsRequestBody;
    const callable = await this.resolver.resolve(command.actor.tenantId!, body.model, 'embeddings');
    if (!callable) throw AiError.modelNotFound(body.model, 'embeddings');
    const ctx = callContext(command.actor, command.requestId);
    const base = { kind: 'embeddings' as const, route: callable.route, stream: false };

    const policy = cachePolicy(callable.route.cacheTtlS, parseCacheControl(command.cacheControl));
    const key =
      policy.read || policy.write
        ? cacheKey({ tenantId: ctx.tenantId, routeId: callable.route.id, kind: 'embeddings', body })
        : undefined;
    if (key && policy.read) {
      const cached = await this.cache.get(key, policy.maxAgeS);
      if (cached !== undefined) {
        const parsed = JSON.parse(cached) as EmbeddingsResponse;
        const tokens: CallTokens = {
          promptTokens: parsed.usage?.prompt_tokens ?? 0,
          completionTokens: 0,
          estimated: false,
        };
        void this.accounting.cacheHit(ctx, base, tokens);
        return {
          routing: { route: callable.route.model, deployment: '', cache: 'hit', upstreamModel: parsed.model },
          body: cached,
          usage: { ...tokens, costUsd: 0 },
        };
      }
    }

    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const promptUpper = texts.reduce<number>(
      (n, t) => n + (typeof t === 'string' ? estimateTokensUpperBound(t) : Array.isArray(t) ? t.length : 1),
      0,
    );
    const estimate = Math.max(
      0,
      ...callable.route.deployments.map((d) =>
        costMicros({ promptTokens: promptUpper, completionTokens: 0 }, d),
      ),
    );
    const admitted = await this.gate.admit(ctx, callable.route, estimate, promptUpper);
    if (isRefusal(admitted)) {
      void this.accounting.refused(ctx, base, admitted);
      throw admitted.error;
    }
    let result;
    try {
      result = await this.upstream.call(
        callable,
        { promptTokens: promptUpper, completionTokens: 0 },
        signal,
        (adapter, target, s) => adapter.embed(target, { ...body, model: target.model }, s),
      );
    } catch (err) {
      const failure = toCallFailure(err);
      await this.gate.release(admitted);
      void this.accounting.record(ctx, {
        ...base,
        tokens: { promptTokens: 0, completionTokens: 0, estimated: false },
        costMicros: 0,
        ttftMs: null,
        status: 'error',
        errorClass: failure.errorClass,
        httpStatus: failure.httpStatus,
        cacheHit: false,
        attempts: (err as { attempts?: unknown[] }).attempts?.length ?? 1,
      });
      throw failure.error;
    }
    const response = result.value;
    const tokens: CallTokens = response.usage
      ? { promptTokens: response.usage.prompt_tokens, completionTokens: 0, estimated: false }
      : {
          promptTokens: texts.reduce<number>(
            (n, t) => n + (typeof t === 'string' ? countTokens(t) : Array.isArray(t) ? t.length : 1),
            0,
          ),
          completionTokens: 0,
          estimated: true,
        };
    const cost = costMicros(tokens, result.deployment);
    const thresholds = await this.gate.settle(admitted, cost, tokens.promptTokens);
    const json = JSON.stringify(response);
    if (key && policy.write) await this.cache.set(key, json, policy.ttlS);
    void this.accounting.record(ctx, {
      ...base,
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
    return {
      routing: {
        route: callable.route.model,
        deployment: `${result.deployment.providerName}/${result.deployment.model}`,
        cache: key ? 'miss' : 'bypass',
        upstreamModel: result.deployment.model,
      },
      body: json,
      usage: { ...tokens, costUsd: microsToUsd(cost) },
    };
  }
}

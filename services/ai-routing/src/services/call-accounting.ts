import { Inject, Injectable } from '@nestjs/common';
import { BudgetThresholdReachedEvent, UsageRecordedEvent, type EventEnvelope } from '@brainmesh/events';
import { METRICS_REGISTRY } from '@brainmesh/runtime';
import { counter, histogram, type Registry } from '@brainmesh/telemetry';
import type { ThresholdCrossing } from '../admission';
import { microsToUsd } from '../domain/budget-period';
import type { ResolvedRoute, RouteDeployment } from '../domain/route';
import type { BudgetEntity } from '../entities/budget.entity';
import { ClockRepository } from '../repositories/clock.repository';
import { UsageLedgerRepository } from '../repositories/usage-ledger.repository';
import { elapsedMs, type CallContext } from './call-context';

/** Token counts of a call and whether we counted them ourselves. */
export interface CallTokens {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

/** The outcome of one call, as the ledger and `usage.recorded` record it. */
export interface CallOutcome {
  kind: 'chat' | 'embeddings';
  route: ResolvedRoute | { model: string; id?: undefined };
  deployment?: RouteDeployment;
  providerType?: string;
  tokens: CallTokens;
  costMicros: number;
  ttftMs: number | null;
  stream: boolean;
  status: 'ok' | 'error' | 'cache_hit' | 'refused';
  errorClass: string | null;
  httpStatus: number;
  cacheHit: boolean;
  attempts: number;
  /** Budget thresholds this call's settle crossed (alerts go out with the record). */
  thresholds?: Array<ThresholdCrossing & { budget?: BudgetEntity; periodStart?: string }>;
}

/** Cost of a call in micro-USD: tokens x USD per million tokens. */
export function costMicros(
  tokens: Pick<CallTokens, 'promptTokens' | 'completionTokens'>,
  d?: RouteDeployment,
): number {
  if (!d) return 0;
  return Math.ceil(
    tokens.promptTokens * d.inputPricePerMtok + tokens.completionTokens * d.outputPricePerMtok,
  );
}

/**
 * Records every call (success, failure, cache hit, refusal) in the usage ledger with its
 * `usage.recorded` event and any budget alerts, through the ledger's group commit.
 */
@Injectable()
export class CallAccounting {
  private readonly calls;
  private readonly seconds;
  private readonly tokens;

  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly clock: ClockRepository,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.calls = counter(registry, 'airouting_calls_total', 'LLM calls by kind, status and cache result', [
      'kind',
      'status',
      'cache',
    ]);
    this.seconds = histogram(registry, 'airouting_call_seconds', 'LLM call duration (to the last byte)', [
      'kind',
      'stream',
    ]);
    this.tokens = counter(registry, 'airouting_tokens_total', 'Tokens by kind and direction', [
      'kind',
      'direction',
    ]);
  }

  /** A call refused by admission (budget or rate limit): nothing was spent. */
  refused(
    ctx: CallContext,
    base: Pick<CallOutcome, 'kind' | 'route' | 'stream'>,
    refusal: { errorClass: string; httpStatus: number },
  ): Promise<void> {
    return this.record(ctx, {
      ...base,
      tokens: { promptTokens: 0, completionTokens: 0, estimated: false },
      costMicros: 0,
      ttftMs: null,
      status: 'refused',
      errorClass: refusal.errorClass,
      httpStatus: refusal.httpStatus,
      cacheHit: false,
      attempts: 0,
    });
  }

  /** A call answered from the response cache: the original token counts, no cost. */
  cacheHit(
    ctx: CallContext,
    base: Pick<CallOutcome, 'kind' | 'route' | 'stream'>,
    tokens: CallTokens,
  ): Promise<void> {
    return this.record(ctx, {
      ...base,
      tokens,
      costMicros: 0,
      ttftMs: elapsedMs(ctx),
      status: 'cache_hit',
      errorClass: null,
      httpStatus: 200,
      cacheHit: true,
      attempts: 0,
    });
  }

  record(ctx: CallContext, outcome: CallOutcome): Promise<void> {
    const latencyMs = elapsedMs(ctx);
    const id = this.clock.newId();
    const d = outcome.deployment;
    const deployment = d ? `${d.providerName}/${d.model}` : null;
    const usage = UsageRecordedEvent.create(ctx.tenantId, {
      usage_id: id,
      request_id: ctx.requestId,
      trace_id: ctx.traceId,
      kind: outcome.kind,
      api_key_id: ctx.apiKeyId,
      user_id: ctx.userId,
      route: outcome.route.model,
      route_id: outcome.route.id ?? null,
      deployment,
      provider_id: d?.providerId ?? null,
      provider_type: outcome.providerType ?? null,
      upstream_model: d?.model ?? null,
      prompt_tokens: outcome.tokens.promptTokens,
      completion_tokens: outcome.tokens.completionTokens,
      tokens_estimated: outcome.tokens.estimated,
      cost_usd: microsToUsd(outcome.costMicros),
      latency_ms: round(latencyMs),
      ttft_ms: outcome.ttftMs === null ? null : round(outcome.ttftMs),
      stream: outcome.stream,
      status: outcome.status,
      error_class: outcome.errorClass,
      http_status: outcome.httpStatus,
      cache_hit: outcome.cacheHit,
      attempts: outcome.attempts,
      occurred_at: ctx.startedAt.toISOString(),
    });
    const events: EventEnvelope<unknown>[] = [usage];
    for (const t of outcome.thresholds ?? [])
      if (t.budget) events.push(thresholdEvent(ctx.tenantId, { ...t, budget: t.budget }));
    this.calls.inc({ kind: outcome.kind, status: outcome.status, cache: outcome.cacheHit ? 'hit' : 'miss' });
    this.seconds.observe({ kind: outcome.kind, stream: String(outcome.stream) }, latencyMs / 1000);
    this.tokens.inc({ kind: outcome.kind, direction: 'prompt' }, outcome.tokens.promptTokens);
    this.tokens.inc({ kind: outcome.kind, direction: 'completion' }, outcome.tokens.completionTokens);
    return this.ledger.append(
      {
        id,
        tenantId: ctx.tenantId,
        requestId: ctx.requestId,
        kind: outcome.kind,
        apiKeyId: ctx.apiKeyId,
        userId: ctx.userId,
        route: outcome.route.model,
        routeId: outcome.route.id ?? null,
        deployment,
        providerId: d?.providerId ?? null,
        upstreamModel: d?.model ?? null,
        promptTokens: outcome.tokens.promptTokens,
        completionTokens: outcome.tokens.completionTokens,
        tokensEstimated: outcome.tokens.estimated,
        costMicros: outcome.costMicros,
        latencyMs,
        ttftMs: outcome.ttftMs,
        stream: outcome.stream,
        status: outcome.status,
        errorClass: outcome.errorClass,
        cacheHit: outcome.cacheHit,
        createdAt: ctx.startedAt,
      },
      events,
    );
  }

  /** Budget alerts found apart from a call (a budget lease's report): the events go out alone. */
  budgetAlerts(
    tenantId: string,
    crossings: Array<ThresholdCrossing & { budget: BudgetEntity; periodStart?: string }>,
  ): Promise<void> {
    return this.ledger.appendEvents(crossings.map((t) => thresholdEvent(tenantId, t)));
  }
}

function thresholdEvent(
  tenantId: string,
  t: ThresholdCrossing & { budget: BudgetEntity; periodStart?: string },
): EventEnvelope<unknown> {
  return BudgetThresholdReachedEvent.create(tenantId, {
    budget_id: t.budgetId,
    scope: t.budget.scope,
    api_key_id: t.budget.apiKeyId,
    period: t.budget.period,
    period_start: t.periodStart ?? '',
    threshold: t.threshold,
    spent_usd: microsToUsd(t.spentMicros),
    limit_usd: microsToUsd(t.limitMicros),
    hard: t.budget.hard,
  });
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

import { Injectable } from '@nestjs/common';
import { AdmissionStore, type BudgetCheck, type Reservation, type ThresholdCrossing } from '../admission';
import { AiError, AiErrorCode } from '../domain/ai-error';
import { microsToUsd, periodBounds } from '../domain/budget-period';
import type { ResolvedRoute } from '../domain/route';
import type { BudgetEntity } from '../entities/budget.entity';
import { BudgetRepository } from '../repositories/budget.repository';
import type { CallContext } from './call-context';
import { ConfigCache } from './config-cache';

/** An admitted call: settle it with the real cost, or release it. */
export interface Admitted {
  reservation: Reservation | undefined;
  budgets: Map<string, BudgetEntity>;
}

/** A refusal, ready to be recorded and thrown. */
export interface Refusal {
  error: AiError;
  errorClass: 'budget_exceeded' | 'rate_limited';
  httpStatus: number;
}

/**
 * Budgets and RPM/TPM limits around one upstream call: admit an estimate before (atomically,
 * across replicas), settle the real cost after. Calls with no budget and no limit skip the store.
 */
@Injectable()
export class AdmissionGate {
  constructor(
    private readonly store: AdmissionStore,
    private readonly budgets: BudgetRepository,
    private readonly cache: ConfigCache,
  ) {}

  async admit(
    ctx: CallContext,
    route: ResolvedRoute,
    estimateMicros: number,
    estimatedTokens: number,
  ): Promise<Admitted | Refusal> {
    const all = await this.cache.get(`budgets:${ctx.tenantId}`, () => this.budgets.list(ctx.tenantId));
    const applicable = all.filter((b) => b.scope === 'tenant' || b.apiKeyId === ctx.apiKeyId);
    const limits = { rpmPerKey: route.rpmPerKey, tpmPerKey: route.tpmPerKey, rpm: route.rpm, tpm: route.tpm };
    const budgets = new Map(applicable.map((b) => [b.id, b]));
    if (applicable.length === 0 && !limits.rpmPerKey && !limits.tpmPerKey && !limits.rpm && !limits.tpm)
      return { reservation: undefined, budgets };
    const now = ctx.startedAt;
    const checks: BudgetCheck[] = applicable.map((b) => {
      const { start, end } = periodBounds(b.period, now);
      return {
        budgetId: b.id,
        hard: b.hard,
        limitMicros: Number(b.limitMicros),
        periodStart: start.toISOString(),
        periodEnd: end.toISOString(),
      };
    });
    const result = await this.store.admit({
      tenantId: ctx.tenantId,
      subjectKey: ctx.subjectKey,
      routeId: route.id,
      budgets: checks,
      estimateMicros: Math.max(0, Math.ceil(estimateMicros)),
      estimatedTokens: Math.max(0, Math.ceil(estimatedTokens)),
      limits,
    });
    if (result.admitted) return { reservation: result.reservation, budgets };
    if (result.reason === 'budget_exceeded') {
      const budget = budgets.get(result.budgetId);
      const what = budget?.scope === 'api_key' ? 'API key' : 'tenant';
      return {
        errorClass: 'budget_exceeded',
        httpStatus: 402,
        error: new AiError(
          AiErrorCode.BudgetExceeded,
          `The ${budget ? (budget.period === 'day' ? 'daily ' : 'monthly ') : ''}${what} budget ${result.budgetId} of ${microsToUsd(result.limitMicros)} USD ` +
            `is exhausted (spent ${microsToUsd(result.spentMicros)} USD, ${microsToUsd(result.reservedMicros)} USD held by calls in flight). ` +
            'Raise the budget or wait for the next period.',
          {
            extensions: {
              code: 'budget_exceeded',
              budget_id: result.budgetId,
              limit_usd: microsToUsd(result.limitMicros),
              spent_usd: microsToUsd(result.spentMicros),
            },
          },
        ),
      };
    }
    const retryAfterS = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    return {
      errorClass: 'rate_limited',
      httpStatus: 429,
      error: new AiError(
        AiErrorCode.RateLimited,
        `The ${result.limit.toUpperCase()} limit ${result.scope === 'key' ? 'per key ' : ''}of route '${route.model}' is reached; retry in ${retryAfterS} s.`,
        {
          extensions: {
            code: 'rate_limit_exceeded',
            retry_after_s: retryAfterS,
            limit: result.limit,
            scope: result.scope,
          },
        },
      ),
    };
  }

  /** Charges the real cost; returns the budget thresholds crossed (for alert events). */
  async settle(
    admitted: Admitted,
    actualMicros: number,
    actualTokens: number,
  ): Promise<Array<ThresholdCrossing & { budget?: BudgetEntity; periodStart?: string }>> {
    if (!admitted.reservation) return [];
    const { thresholdsCrossed } = await this.store.settle(
      admitted.reservation,
      Math.max(0, Math.ceil(actualMicros)),
      Math.max(0, Math.ceil(actualTokens)),
    );
    return thresholdsCrossed.map((t) => ({
      ...t,
      budget: admitted.budgets.get(t.budgetId),
      periodStart: admitted.reservation?.budgets.find((b) => b.budgetId === t.budgetId)?.periodStart,
    }));
  }

  async release(admitted: Admitted): Promise<void> {
    if (admitted.reservation) await this.store.release(admitted.reservation);
  }
}

export const isRefusal = (r: Admitted | Refusal): r is Refusal => 'error' in r;

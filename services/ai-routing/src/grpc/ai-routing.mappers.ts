import type { airoutingV1 } from '@brainmesh/contracts';
import { microsToUsd } from '../domain/budget-period';
import type { BudgetEntity } from '../entities/budget.entity';
import type { PriceEntity } from '../entities/price.entity';
import type { ProviderEntity } from '../entities/provider.entity';
import type { RouteEntity } from '../entities/route.entity';
import type { CallUsageInfo, RoutingInfo } from '../services/chat-sink';
import type { BudgetWithSpend } from '../use-cases/list-budgets/list-budgets.use-case';

/** Entity -> proto translation (credentials are not part of any message). */
export function toProvider(p: ProviderEntity): airoutingV1.Provider {
  return {
    id: p.id,
    tenantId: p.tenantId ?? '',
    name: p.name,
    type: p.type,
    baseUrl: p.baseUrl,
    hasApiKey: p.hasApiKey,
    headerNames: p.headerNames,
    apiVersion: p.apiVersion ?? '',
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function toRoute(
  r: RouteEntity,
  providerNames: ReadonlyMap<string, string> = new Map(),
): airoutingV1.Route {
  return {
    id: r.id,
    tenantId: r.tenantId ?? '',
    model: r.model,
    kind: r.kind,
    strategy: r.strategy,
    deployments: r.deployments.map((d) => ({
      providerId: d.provider_id,
      providerName: providerNames.get(d.provider_id) ?? '',
      model: d.model,
      priority: d.priority,
      weight: d.weight,
      timeoutMs: d.timeout_ms,
      maxRetries: d.max_retries,
      inputPricePerMtok: d.input_price_per_mtok ?? undefined,
      outputPricePerMtok: d.output_price_per_mtok ?? undefined,
      contextWindow: d.context_window,
    })),
    cacheTtlS: r.cacheTtlS,
    rpmPerKey: r.rpmPerKey,
    tpmPerKey: r.tpmPerKey,
    rpm: r.rpm,
    tpm: r.tpm,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toBudget(
  b: BudgetEntity,
  spend?: Pick<BudgetWithSpend, 'spentMicros' | 'periodStart'>,
): airoutingV1.Budget {
  return {
    id: b.id,
    tenantId: b.tenantId,
    scope: b.scope,
    apiKeyId: b.apiKeyId ?? '',
    period: b.period,
    limitUsd: microsToUsd(Number(b.limitMicros)),
    hard: b.hard,
    spentUsd: microsToUsd(spend?.spentMicros ?? 0),
    periodStart: spend?.periodStart.toISOString() ?? '',
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

export function toPrice(p: PriceEntity): airoutingV1.Price {
  return {
    model: p.model,
    inputPerMtok: p.inputPerMtok,
    outputPerMtok: p.outputPerMtok,
    contextWindow: p.contextWindow,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function toModel(r: RouteEntity): airoutingV1.Model {
  return {
    id: r.model,
    ownedBy: r.tenantId ?? 'platform',
    created: String(Math.floor(r.createdAt.getTime() / 1000)),
  };
}

export function toRoutingInfo(i: RoutingInfo): airoutingV1.RoutingInfo {
  return { route: i.route, deployment: i.deployment, cache: i.cache, upstreamModel: i.upstreamModel };
}

export function toCallUsage(u: CallUsageInfo): airoutingV1.CallUsage {
  return {
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    estimated: u.estimated,
    costUsd: u.costUsd,
  };
}

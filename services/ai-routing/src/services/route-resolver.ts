import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { AiRoutingConfig } from '../config';
import type { ResolvedRoute, RouteDeployment, RouteKind } from '../domain/route';
import type { UpstreamTarget } from '../domain/upstream';
import type { PriceEntity } from '../entities/price.entity';
import type { RouteEntity } from '../entities/route.entity';
import { PriceRepository } from '../repositories/price.repository';
import { ProviderRepository } from '../repositories/provider.repository';
import { RouteRepository } from '../repositories/route.repository';
import { ConfigCache } from './config-cache';
import { ProviderSecrets } from './provider-secrets';

/** A route ready to call: deployments with prices filled in, and each one's upstream target. */
export interface CallableRoute {
  route: ResolvedRoute;
  targets: ReadonlyMap<string, UpstreamTarget>;
}

/**
 * Resolves the model name of a call to the route the caller's tenant uses (its own route of that
 * name first, else the platform's), joined with its providers (credentials opened) and prices.
 * Cached per replica for ROUTE_CACHE_TTL_MS.
 */
@Injectable()
export class RouteResolver {
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly routes: RouteRepository,
    private readonly providers: ProviderRepository,
    private readonly prices: PriceRepository,
    private readonly secrets: ProviderSecrets,
    private readonly cache: ConfigCache,
    @Inject(SERVICE_CONFIG) config: AiRoutingConfig,
  ) {
    this.defaultTimeoutMs = config.UPSTREAM_TIMEOUT_MS;
  }

  /** The route for `model`, or undefined when the tenant has none of that name and kind. */
  async resolve(tenantId: string, model: string, kind: RouteKind): Promise<CallableRoute | undefined> {
    const callable = await this.cache.get(`route:${tenantId}:${model}`, () => this.load(tenantId, model));
    return callable && callable.route.kind === kind ? callable : undefined;
  }

  private async load(tenantId: string, model: string): Promise<CallableRoute | undefined> {
    const entity = await this.routes.findForCall(tenantId, model);
    if (!entity) return undefined;
    const [providers, priceTable] = await Promise.all([
      this.providers.findManyOwned(
        entity.tenantId,
        entity.deployments.map((d) => d.provider_id),
      ),
      this.cache.get('prices', () => this.prices.list()),
    ]);
    const byId = new Map(providers.map((p) => [p.id, p]));
    const prices = new Map<string, PriceEntity>(priceTable.map((p) => [p.model, p]));
    const deployments: RouteDeployment[] = [];
    const targets = new Map<string, UpstreamTarget>();
    for (const d of entity.deployments) {
      const provider = byId.get(d.provider_id);
      if (!provider) continue; // deleted provider: the route keeps its other deployments
      const key = `${entity.id}:${provider.id}:${d.model}`;
      const price = prices.get(d.model);
      deployments.push({
        key,
        providerId: provider.id,
        providerName: provider.name,
        model: d.model,
        priority: d.priority,
        weight: d.weight,
        timeoutMs: d.timeout_ms > 0 ? d.timeout_ms : this.defaultTimeoutMs,
        maxRetries: d.max_retries,
        inputPricePerMtok: d.input_price_per_mtok ?? price?.inputPerMtok ?? 0,
        outputPricePerMtok: d.output_price_per_mtok ?? price?.outputPerMtok ?? 0,
        contextWindow: d.context_window || price?.contextWindow || 0,
      });
      const secret = this.secrets.open(provider);
      targets.set(key, {
        providerId: provider.id,
        providerName: provider.name,
        type: provider.type,
        baseUrl: provider.baseUrl,
        apiKey: secret.apiKey,
        headers: secret.headers,
        apiVersion: provider.apiVersion ?? undefined,
        model: d.model,
        timeoutMs: d.timeout_ms > 0 ? d.timeout_ms : this.defaultTimeoutMs,
      });
    }
    return { route: toResolved(entity, deployments), targets };
  }
}

function toResolved(entity: RouteEntity, deployments: RouteDeployment[]): ResolvedRoute {
  return {
    id: entity.id,
    tenantId: entity.tenantId ?? '',
    model: entity.model,
    kind: entity.kind,
    strategy: entity.strategy,
    deployments,
    cacheTtlS: entity.cacheTtlS,
    rpmPerKey: entity.rpmPerKey,
    tpmPerKey: entity.tpmPerKey,
    rpm: entity.rpm,
    tpm: entity.tpm,
  };
}

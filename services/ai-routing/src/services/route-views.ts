import { Injectable } from '@nestjs/common';
import type { RouteEntity } from '../entities/route.entity';
import { ProviderRepository } from '../repositories/provider.repository';

/** A route with the names of the providers its deployments use (for display). */
export interface RouteView {
  route: RouteEntity;
  providerNames: ReadonlyMap<string, string>;
}

/** Joins routes with their providers' names, one query per owner. */
@Injectable()
export class RouteViews {
  constructor(private readonly providers: ProviderRepository) {}

  async of(routes: RouteEntity[]): Promise<RouteView[]> {
    const names = new Map<string, string>();
    const owners = new Map<string | null, Set<string>>();
    for (const r of routes) {
      const ids = owners.get(r.tenantId) ?? new Set<string>();
      for (const d of r.deployments) ids.add(d.provider_id);
      owners.set(r.tenantId, ids);
    }
    for (const [owner, ids] of owners)
      for (const p of await this.providers.findManyOwned(owner, [...ids])) names.set(p.id, p.name);
    return routes.map((route) => ({ route, providerNames: names }));
  }

  async one(route: RouteEntity): Promise<RouteView> {
    return (await this.of([route]))[0]!;
  }
}

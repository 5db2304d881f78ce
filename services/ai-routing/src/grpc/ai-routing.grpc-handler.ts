import { Injectable } from '@nestjs/common';
import type { airoutingV1 } from '@brainmesh/contracts';
import { ServiceInfo, type GrpcHandler } from '@brainmesh/runtime';
import { RouteViews } from '../services/route-views';
import { CreateBudgetUseCase } from '../use-cases/create-budget/create-budget.use-case';
import { CreateChatCompletionUseCase } from '../use-cases/create-chat-completion/create-chat-completion.use-case';
import { CreateEmbeddingsUseCase } from '../use-cases/create-embeddings/create-embeddings.use-case';
import { CreateProviderUseCase } from '../use-cases/create-provider/create-provider.use-case';
import { CreateRouteUseCase } from '../use-cases/create-route/create-route.use-case';
import { DeleteBudgetUseCase } from '../use-cases/delete-budget/delete-budget.use-case';
import { DeleteProviderUseCase } from '../use-cases/delete-provider/delete-provider.use-case';
import { DeleteRouteUseCase } from '../use-cases/delete-route/delete-route.use-case';
import { GetProviderUseCase } from '../use-cases/get-provider/get-provider.use-case';
import { GetRouteUseCase } from '../use-cases/get-route/get-route.use-case';
import { ListBudgetsUseCase } from '../use-cases/list-budgets/list-budgets.use-case';
import { ListModelsUseCase } from '../use-cases/list-models/list-models.use-case';
import { ListPricesUseCase } from '../use-cases/list-prices/list-prices.use-case';
import { ListProvidersUseCase } from '../use-cases/list-providers/list-providers.use-case';
import { ListRoutesUseCase } from '../use-cases/list-routes/list-routes.use-case';
import { UpdateBudgetUseCase } from '../use-cases/update-budget/update-budget.use-case';
import { UpdateProviderUseCase } from '../use-cases/update-provider/update-provider.use-case';
import { UpdateRouteUseCase } from '../use-cases/update-route/update-route.use-case';
import { UpsertPricesUseCase } from '../use-cases/upsert-prices/upsert-prices.use-case';
import { cancellableRpc, chatStream, rpc } from './ai-rpc';
import {
  toBudget,
  toCallUsage,
  toModel,
  toPrice,
  toProvider,
  toRoute,
  toRoutingInfo,
} from './ai-routing.mappers';

/** AiRoutingService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class AiRoutingGrpcHandler implements GrpcHandler {
  constructor(
    private readonly info: ServiceInfo,
    private readonly chat: CreateChatCompletionUseCase,
    private readonly embeddings: CreateEmbeddingsUseCase,
    private readonly models: ListModelsUseCase,
    private readonly listProvidersUc: ListProvidersUseCase,
    private readonly createProviderUc: CreateProviderUseCase,
    private readonly getProviderUc: GetProviderUseCase,
    private readonly updateProviderUc: UpdateProviderUseCase,
    private readonly deleteProviderUc: DeleteProviderUseCase,
    private readonly listRoutesUc: ListRoutesUseCase,
    private readonly createRouteUc: CreateRouteUseCase,
    private readonly getRouteUc: GetRouteUseCase,
    private readonly updateRouteUc: UpdateRouteUseCase,
    private readonly deleteRouteUc: DeleteRouteUseCase,
    private readonly routeViews: RouteViews,
    private readonly listBudgetsUc: ListBudgetsUseCase,
    private readonly createBudgetUc: CreateBudgetUseCase,
    private readonly updateBudgetUc: UpdateBudgetUseCase,
    private readonly deleteBudgetUc: DeleteBudgetUseCase,
    private readonly listPricesUc: ListPricesUseCase,
    private readonly upsertPricesUc: UpsertPricesUseCase,
  ) {}

  readonly implementation: airoutingV1.AiRoutingServiceServer = {
    getServiceInfo: rpc(async () => ({ info: this.info.toMessage() })),

    createChatCompletion: chatStream((req, sink, signal) => this.chat.execute(req, sink, signal)),
    createEmbeddings: cancellableRpc(async (req, signal) => {
      const r = await this.embeddings.execute(req, signal);
      return { routing: toRoutingInfo(r.routing), body: Buffer.from(r.body), usage: toCallUsage(r.usage) };
    }),
    listModels: rpc(async (req) => ({ models: (await this.models.execute(req)).map(toModel) })),

    listProviders: rpc(async (req) => ({
      providers: (await this.listProvidersUc.execute(req)).map(toProvider),
    })),
    createProvider: rpc(async (req) => ({ provider: toProvider(await this.createProviderUc.execute(req)) })),
    getProvider: rpc(async (req) => ({ provider: toProvider(await this.getProviderUc.execute(req)) })),
    updateProvider: rpc(async (req) => ({ provider: toProvider(await this.updateProviderUc.execute(req)) })),
    deleteProvider: rpc(async (req) => (await this.deleteProviderUc.execute(req), {})),

    listRoutes: rpc(async (req) => ({
      routes: (await this.routeViews.of(await this.listRoutesUc.execute(req))).map((v) =>
        toRoute(v.route, v.providerNames),
      ),
    })),
    createRoute: rpc(async (req) => ({
      route: view(await this.routeViews.one(await this.createRouteUc.execute(req))),
    })),
    getRoute: rpc(async (req) => ({
      route: view(await this.routeViews.one(await this.getRouteUc.execute(req))),
    })),
    updateRoute: rpc(async (req) => ({
      route: view(await this.routeViews.one(await this.updateRouteUc.execute(req))),
    })),
    deleteRoute: rpc(async (req) => (await this.deleteRouteUc.execute(req), {})),

    listBudgets: rpc(async (req) => ({
      budgets: (await this.listBudgetsUc.execute(req)).map((b) => toBudget(b.budget, b)),
    })),
    createBudget: rpc(async (req) => {
      const created = await this.createBudgetUc.execute(req);
      return { budget: toBudget(created.budget, created) };
    }),
    updateBudget: rpc(async (req) => {
      const updated = await this.updateBudgetUc.execute(req);
      return { budget: toBudget(updated.budget, updated) };
    }),
    deleteBudget: rpc(async (req) => (await this.deleteBudgetUc.execute(req), {})),

    listPrices: rpc(async (req) => ({ prices: (await this.listPricesUc.execute(req)).map(toPrice) })),
    upsertPrices: rpc(async (req) => ({ prices: (await this.upsertPricesUc.execute(req)).map(toPrice) })),
  };
}

const view = (v: { route: Parameters<typeof toRoute>[0]; providerNames: ReadonlyMap<string, string> }) =>
  toRoute(v.route, v.providerNames);

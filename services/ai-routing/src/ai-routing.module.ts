import { Module } from '@nestjs/common';
import { aiRoutingStoreProviders, StoresLifecycle } from './ai-routing.providers';
import { AiRoutingGrpcHandler } from './grpc/ai-routing.grpc-handler';
import { BudgetRepository } from './repositories/budget.repository';
import { ClockRepository } from './repositories/clock.repository';
import { PriceRepository } from './repositories/price.repository';
import { ProviderRepository } from './repositories/provider.repository';
import { RouteRepository } from './repositories/route.repository';
import { UpstreamHttpRepository } from './repositories/upstream-http.repository';
import { UsageLedgerRepository } from './repositories/usage-ledger.repository';
import { AdmissionGate } from './services/admission-gate';
import { BudgetSpend } from './services/budget-spend';
import { CallAccounting } from './services/call-accounting';
import { ConfigCache } from './services/config-cache';
import { ProviderAdapters } from './services/provider-adapters';
import { ProviderSecrets } from './services/provider-secrets';
import { RouteResolver } from './services/route-resolver';
import { RouteValidation } from './services/route-validation';
import { RouteViews } from './services/route-views';
import { UpstreamCaller } from './services/upstream-caller';
import { CreateBudgetUseCase } from './use-cases/create-budget/create-budget.use-case';
import { CreateChatCompletionUseCase } from './use-cases/create-chat-completion/create-chat-completion.use-case';
import { CreateEmbeddingsUseCase } from './use-cases/create-embeddings/create-embeddings.use-case';
import { CreateProviderUseCase } from './use-cases/create-provider/create-provider.use-case';
import { CreateRouteUseCase } from './use-cases/create-route/create-route.use-case';
import { DeleteBudgetUseCase } from './use-cases/delete-budget/delete-budget.use-case';
import { DeleteProviderUseCase } from './use-cases/delete-provider/delete-provider.use-case';
import { DeleteRouteUseCase } from './use-cases/delete-route/delete-route.use-case';
import { GetProviderUseCase } from './use-cases/get-provider/get-provider.use-case';
import { GetRouteUseCase } from './use-cases/get-route/get-route.use-case';
import { ListBudgetsUseCase } from './use-cases/list-budgets/list-budgets.use-case';
import { ListModelsUseCase } from './use-cases/list-models/list-models.use-case';
import { ListPricesUseCase } from './use-cases/list-prices/list-prices.use-case';
import { ListProvidersUseCase } from './use-cases/list-providers/list-providers.use-case';
import { ListRoutesUseCase } from './use-cases/list-routes/list-routes.use-case';
import { RotateProviderSecretsUseCase } from './use-cases/rotate-provider-secrets/rotate-provider-secrets.use-case';
import { UpdateBudgetUseCase } from './use-cases/update-budget/update-budget.use-case';
import { UpdateProviderUseCase } from './use-cases/update-provider/update-provider.use-case';
import { UpdateRouteUseCase } from './use-cases/update-route/update-route.use-case';
import { UpsertPricesUseCase } from './use-cases/upsert-prices/upsert-prices.use-case';

@Module({
  providers: [
    AiRoutingGrpcHandler,
    ...aiRoutingStoreProviders,
    StoresLifecycle,
    BudgetRepository,
    ClockRepository,
    PriceRepository,
    ProviderRepository,
    RouteRepository,
    UpstreamHttpRepository,
    UsageLedgerRepository,
    AdmissionGate,
    BudgetSpend,
    CallAccounting,
    ConfigCache,
    ProviderAdapters,
    ProviderSecrets,
    RouteResolver,
    RouteValidation,
    RouteViews,
    UpstreamCaller,
    CreateBudgetUseCase,
    CreateChatCompletionUseCase,
    CreateEmbeddingsUseCase,
    CreateProviderUseCase,
    CreateRouteUseCase,
    DeleteBudgetUseCase,
    DeleteProviderUseCase,
    DeleteRouteUseCase,
    GetProviderUseCase,
    GetRouteUseCase,
    ListBudgetsUseCase,
    ListModelsUseCase,
    ListPricesUseCase,
    ListProvidersUseCase,
    ListRoutesUseCase,
    RotateProviderSecretsUseCase,
    UpdateBudgetUseCase,
    UpdateProviderUseCase,
    UpdateRouteUseCase,
    UpsertPricesUseCase,
  ],
})
export class AiRoutingModule {}

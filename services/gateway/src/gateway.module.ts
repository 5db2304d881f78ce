import { Module } from '@nestjs/common';
import { AuthGuard } from './auth/auth.guard';
import { Authenticator } from './auth/authenticator';
import { AdminTenantsController } from './controllers/admin-tenants.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AuditEventsController } from './controllers/audit-events.controller';
import { AuthController } from './controllers/auth.controller';
import { BudgetsController } from './controllers/budgets.controller';
import { ChatCompletionsController } from './controllers/chat-completions.controller';
import { EmbeddingsController } from './controllers/embeddings.controller';
import { JwksController } from './controllers/jwks.controller';
import { ModelsController } from './controllers/models.controller';
import { OpenApiController } from './controllers/openapi.controller';
import { PricesController } from './controllers/prices.controller';
import { ProvidersController } from './controllers/providers.controller';
import { RoutesController } from './controllers/routes.controller';
import { StatusController } from './controllers/status.controller';
import { UsersController } from './controllers/users.controller';
import { DownstreamReadiness } from './downstream-readiness';
import { openApiDocumentProvider } from './openapi';
import { OpenAiErrorShaping } from './openai/openai-error.hook';
import { OpenAiRelay } from './openai/openai.relay';
import { AiRoutingClientRepository } from './repositories/ai-routing-client.repository';
import { AuthClientRepository } from './repositories/auth-client.repository';
import { DownstreamRepository } from './repositories/downstream.repository';
import { rateLimitProviders } from './rate-limit';
import { GetPlatformStatusUseCase } from './use-cases/get-platform-status/get-platform-status.use-case';

const CONTROLLERS = [
  AuthController,
  ApiKeysController,
  UsersController,
  AuditEventsController,
  AdminTenantsController,
  ChatCompletionsController,
  EmbeddingsController,
  ModelsController,
  ProvidersController,
  RoutesController,
  BudgetsController,
  PricesController,
  JwksController,
  StatusController,
  OpenApiController,
];

@Module({
  controllers: CONTROLLERS,
  providers: [
    openApiDocumentProvider(CONTROLLERS),
    AuthClientRepository,
    AiRoutingClientRepository,
    OpenAiRelay,
    OpenAiErrorShaping,
    Authenticator,
    AuthGuard,
    DownstreamRepository,
    DownstreamReadiness,
    GetPlatformStatusUseCase,
    ...rateLimitProviders,
  ],
})
export class GatewayModule {}

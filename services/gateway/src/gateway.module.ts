import { Module } from '@nestjs/common';
import { AuthGuard } from './auth/auth.guard';
import { Authenticator } from './auth/authenticator';
import { AdminTenantsController } from './controllers/admin-tenants.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AuditEventsController } from './controllers/audit-events.controller';
import { AuthController } from './controllers/auth.controller';
import { JwksController } from './controllers/jwks.controller';
import { OpenApiController } from './controllers/openapi.controller';
import { StatusController } from './controllers/status.controller';
import { UsersController } from './controllers/users.controller';
import { DownstreamReadiness } from './downstream-readiness';
import { openApiDocumentProvider } from './openapi';
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
  JwksController,
  StatusController,
  OpenApiController,
];

@Module({
  controllers: CONTROLLERS,
  providers: [
    openApiDocumentProvider(CONTROLLERS),
    AuthClientRepository,
    Authenticator,
    AuthGuard,
    DownstreamRepository,
    DownstreamReadiness,
    GetPlatformStatusUseCase,
    ...rateLimitProviders,
  ],
})
export class GatewayModule {}

import { Module } from '@nestjs/common';
import { AuthGuard } from './auth/auth.guard';
import { Authenticator } from './auth/authenticator';
import { AdminTenantsController } from './controllers/admin-tenants.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AuthController } from './controllers/auth.controller';
import { JwksController } from './controllers/jwks.controller';
import { StatusController } from './controllers/status.controller';
import { UsersController } from './controllers/users.controller';
import { DownstreamReadiness } from './downstream-readiness';
import { AuthClientRepository } from './repositories/auth-client.repository';
import { DownstreamRepository } from './repositories/downstream.repository';
import { GetPlatformStatusUseCase } from './use-cases/get-platform-status/get-platform-status.use-case';

@Module({
  controllers: [
    AuthController,
    ApiKeysController,
    UsersController,
    AdminTenantsController,
    JwksController,
    StatusController,
  ],
  providers: [
    AuthClientRepository,
    Authenticator,
    AuthGuard,
    DownstreamRepository,
    DownstreamReadiness,
    GetPlatformStatusUseCase,
  ],
})
export class GatewayModule {}

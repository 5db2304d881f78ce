import { Module } from '@nestjs/common';
import { AuthGrpcHandler } from './grpc/auth.grpc-handler';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditEventRepository } from './repositories/audit-event.repository';
import { MfaChallengeRepository } from './repositories/mfa-challenge.repository';
import { MfaRepository } from './repositories/mfa.repository';
import { ClockRepository } from './repositories/clock.repository';
import { CryptoRepository } from './repositories/crypto.repository';
import { PasswordHasherRepository } from './repositories/password-hasher.repository';
import { RefreshTokenRepository } from './repositories/refresh-token.repository';
import { SigningKeyRepository } from './repositories/signing-key.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { TokenSignerRepository } from './repositories/token-signer.repository';
import { UserRepository } from './repositories/user.repository';
import { AccessTokenIssuer } from './services/access-token-issuer';
import { AuditTrail } from './services/audit-trail';
import { MfaCodes } from './services/mfa-codes';
import { ConfirmMfaUseCase } from './use-cases/confirm-mfa/confirm-mfa.use-case';
import { DisableMfaUseCase } from './use-cases/disable-mfa/disable-mfa.use-case';
import { EnrollMfaUseCase } from './use-cases/enroll-mfa/enroll-mfa.use-case';
import { ListAuditEventsUseCase } from './use-cases/list-audit-events/list-audit-events.use-case';
import { VerifyMfaUseCase } from './use-cases/verify-mfa/verify-mfa.use-case';
import { AuthenticateApiKeyUseCase } from './use-cases/authenticate-api-key/authenticate-api-key.use-case';
import { AuthorizeUseCase } from './use-cases/authorize/authorize.use-case';
import { BootstrapUseCase } from './use-cases/bootstrap/bootstrap.use-case';
import { CreateApiKeyUseCase } from './use-cases/create-api-key/create-api-key.use-case';
import { CreateTenantUseCase } from './use-cases/create-tenant/create-tenant.use-case';
import { CreateUserUseCase } from './use-cases/create-user/create-user.use-case';
import { DeleteUserUseCase } from './use-cases/delete-user/delete-user.use-case';
import { GetJwksUseCase } from './use-cases/get-jwks/get-jwks.use-case';
import { ListApiKeysUseCase } from './use-cases/list-api-keys/list-api-keys.use-case';
import { ListTenantsUseCase } from './use-cases/list-tenants/list-tenants.use-case';
import { ListUsersUseCase } from './use-cases/list-users/list-users.use-case';
import { LoginUseCase } from './use-cases/login/login.use-case';
import { LogoutUseCase } from './use-cases/logout/logout.use-case';
import { RefreshTokensUseCase } from './use-cases/refresh-tokens/refresh-tokens.use-case';
import { RevokeApiKeyUseCase } from './use-cases/revoke-api-key/revoke-api-key.use-case';
import { RotateSigningKeyUseCase } from './use-cases/rotate-signing-key/rotate-signing-key.use-case';
import { UpdateTenantUseCase } from './use-cases/update-tenant/update-tenant.use-case';
import { UpdateUserUseCase } from './use-cases/update-user/update-user.use-case';
import { VerifyAccessTokenUseCase } from './use-cases/verify-access-token/verify-access-token.use-case';

@Module({
  providers: [
    AuthGrpcHandler,
    ApiKeyRepository,
    AuditEventRepository,
    MfaChallengeRepository,
    MfaRepository,
    ClockRepository,
    CryptoRepository,
    PasswordHasherRepository,
    RefreshTokenRepository,
    SigningKeyRepository,
    TenantRepository,
    TokenSignerRepository,
    UserRepository,
    AccessTokenIssuer,
    AuditTrail,
    MfaCodes,
    ConfirmMfaUseCase,
    DisableMfaUseCase,
    EnrollMfaUseCase,
    ListAuditEventsUseCase,
    VerifyMfaUseCase,
    AuthenticateApiKeyUseCase,
    AuthorizeUseCase,
    BootstrapUseCase,
    CreateApiKeyUseCase,
    CreateTenantUseCase,
    CreateUserUseCase,
    DeleteUserUseCase,
    GetJwksUseCase,
    ListApiKeysUseCase,
    ListTenantsUseCase,
    ListUsersUseCase,
    LoginUseCase,
    LogoutUseCase,
    RefreshTokensUseCase,
    RevokeApiKeyUseCase,
    RotateSigningKeyUseCase,
    UpdateTenantUseCase,
    UpdateUserUseCase,
    VerifyAccessTokenUseCase,
  ],
})
export class AuthModule {}

import { Injectable } from '@nestjs/common';
import { authV1 } from '@brainmesh/contracts';
import { ServiceInfo, type GrpcHandler } from '@brainmesh/runtime';
import { AuthenticateApiKeyUseCase } from '../use-cases/authenticate-api-key/authenticate-api-key.use-case';
import { AuthorizeUseCase } from '../use-cases/authorize/authorize.use-case';
import { BootstrapUseCase } from '../use-cases/bootstrap/bootstrap.use-case';
import { ConfirmMfaUseCase } from '../use-cases/confirm-mfa/confirm-mfa.use-case';
import { DisableMfaUseCase } from '../use-cases/disable-mfa/disable-mfa.use-case';
import { EnrollMfaUseCase } from '../use-cases/enroll-mfa/enroll-mfa.use-case';
import { ListAuditEventsUseCase } from '../use-cases/list-audit-events/list-audit-events.use-case';
import { VerifyMfaUseCase } from '../use-cases/verify-mfa/verify-mfa.use-case';
import { CreateApiKeyUseCase } from '../use-cases/create-api-key/create-api-key.use-case';
import { CreateTenantUseCase } from '../use-cases/create-tenant/create-tenant.use-case';
import { CreateUserUseCase } from '../use-cases/create-user/create-user.use-case';
import { DeleteUserUseCase } from '../use-cases/delete-user/delete-user.use-case';
import { GetJwksUseCase } from '../use-cases/get-jwks/get-jwks.use-case';
import { ListApiKeysUseCase } from '../use-cases/list-api-keys/list-api-keys.use-case';
import { ListTenantsUseCase } from '../use-cases/list-tenants/list-tenants.use-case';
import { ListUsersUseCase } from '../use-cases/list-users/list-users.use-case';
import { LoginUseCase } from '../use-cases/login/login.use-case';
import { LogoutUseCase } from '../use-cases/logout/logout.use-case';
import { RefreshTokensUseCase } from '../use-cases/refresh-tokens/refresh-tokens.use-case';
import { RevokeApiKeyUseCase } from '../use-cases/revoke-api-key/revoke-api-key.use-case';
import { RotateSigningKeyUseCase } from '../use-cases/rotate-signing-key/rotate-signing-key.use-case';
import { UpdateTenantUseCase } from '../use-cases/update-tenant/update-tenant.use-case';
import { UpdateUserUseCase } from '../use-cases/update-user/update-user.use-case';
import { VerifyAccessTokenUseCase } from '../use-cases/verify-access-token/verify-access-token.use-case';
import { rpc } from './auth-rpc';
import { toActor, toApiKey, toAuditEvent, toLoginResponse, toTenant, toUser } from './auth.mappers';

/** AuthService over gRPC: translation only, each method delegates in one line. */
@Injectable()
export class AuthGrpcHandler implements GrpcHandler {
  constructor(
    private readonly info: ServiceInfo,
    private readonly login: LoginUseCase,
    private readonly refresh: RefreshTokensUseCase,
    private readonly logout: LogoutUseCase,
    private readonly verifyToken: VerifyAccessTokenUseCase,
    private readonly jwks: GetJwksUseCase,
    private readonly rotateKey: RotateSigningKeyUseCase,
    private readonly authenticateKey: AuthenticateApiKeyUseCase,
    private readonly authorizer: AuthorizeUseCase,
    private readonly createKey: CreateApiKeyUseCase,
    private readonly listKeys: ListApiKeysUseCase,
    private readonly revokeKey: RevokeApiKeyUseCase,
    private readonly createTenantUc: CreateTenantUseCase,
    private readonly listTenantsUc: ListTenantsUseCase,
    private readonly updateTenantUc: UpdateTenantUseCase,
    private readonly createUserUc: CreateUserUseCase,
    private readonly listUsersUc: ListUsersUseCase,
    private readonly updateUserUc: UpdateUserUseCase,
    private readonly deleteUserUc: DeleteUserUseCase,
    private readonly bootstrapUc: BootstrapUseCase,
    private readonly verifyMfaUc: VerifyMfaUseCase,
    private readonly enrollMfaUc: EnrollMfaUseCase,
    private readonly confirmMfaUc: ConfirmMfaUseCase,
    private readonly disableMfaUc: DisableMfaUseCase,
    private readonly listAuditUc: ListAuditEventsUseCase,
  ) {}

  readonly implementation: authV1.AuthServiceServer = {
    getServiceInfo: rpc(async () => ({ info: this.info.toMessage() })),
    login: rpc(async (req) => toLoginResponse(await this.login.execute(req))),
    verifyMfa: rpc((req) => this.verifyMfaUc.execute(req)),
    refreshTokens: rpc((req) => this.refresh.execute(req)),
    logout: rpc(async (req) => (await this.logout.execute(req), {})),
    verifyAccessToken: rpc(async (req) =>
      ((r) => ({ actor: toActor(r.actor), expiresAt: r.expiresAt.toISOString() }))(
        await this.verifyToken.execute(req),
      ),
    ),
    getJwks: rpc(async () => ({ keys: await this.jwks.execute() })),
    rotateSigningKey: rpc((req) => this.rotateKey.execute(req)),
    authenticateApiKey: rpc((req) => this.authenticateKey.execute(req)),
    authorize: rpc((req) => this.authorizer.execute(req)),
    createApiKey: rpc(async (req) =>
      ((r) => ({ apiKey: toApiKey(r.apiKey), key: r.key }))(await this.createKey.execute(req)),
    ),
    listApiKeys: rpc(async (req) => ({ apiKeys: (await this.listKeys.execute(req)).map(toApiKey) })),
    revokeApiKey: rpc(async (req) => ({ apiKey: toApiKey(await this.revokeKey.execute(req)) })),
    createTenant: rpc(async (req) =>
      ((r) => ({ tenant: toTenant(r.tenant), ownerUserId: r.owner.id }))(
        await this.createTenantUc.execute(req),
      ),
    ),
    listTenants: rpc(async (req) => ({ tenants: (await this.listTenantsUc.execute(req)).map(toTenant) })),
    updateTenant: rpc(async (req) => ({ tenant: toTenant(await this.updateTenantUc.execute(req)) })),
    createUser: rpc(async (req) => ({ user: toUser(await this.createUserUc.execute(req)) })),
    listUsers: rpc(async (req) => ({ users: (await this.listUsersUc.execute(req)).map(toUser) })),
    updateUser: rpc(async (req) => ({ user: toUser(await this.updateUserUc.execute(req)) })),
    deleteUser: rpc(async (req) => (await this.deleteUserUc.execute(req), {})),
    bootstrap: rpc(async (req) => ({
      operatorEmail: '',
      operatorPassword: '',
      tenantSlug: '',
      ownerEmail: '',
      ownerPassword: '',
      apiKey: '',
      tenantId: '',
      ...(await this.bootstrapUc.execute(req)),
    })),
    enrollMfa: rpc((req) => this.enrollMfaUc.execute(req)),
    confirmMfa: rpc((req) => this.confirmMfaUc.execute(req)),
    disableMfa: rpc(async (req) => (await this.disableMfaUc.execute(req), {})),
    listAuditEvents: rpc(async (req) =>
      ((r) => ({ events: r.events.map(toAuditEvent), nextCursor: r.nextCursor }))(
        await this.listAuditUc.execute(req),
      ),
    ),
  };
}

import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { RequestCtx } from '../auth/request-context.decorator';
import {
  ActorOut,
  actorOut,
  LoginBody,
  LoginOut,
  loginOut,
  MfaCodeBody,
  MfaConfirmOut,
  MfaEnrollOut,
  MfaVerifyBody,
  RefreshBody,
  TokenPairOut,
  tokensOut,
} from '../dtos/auth.dto';
import { RateLimited } from '../rate-limit/rate-limit.guard';
import { AuthClientRepository } from '../repositories/auth-client.repository';

type Ctx = authV1.RequestContext;

/** Sessions (login, MFA, refresh, logout), MFA enrolment, and who the caller is. */
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Post('auth/login')
  @RateLimited('ip')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in with email, password and tenant slug (operators omit the tenant)',
    tags: ['auth'],
    body: LoginBody,
    responses: { 200: { description: 'Tokens, or mfa_required with an mfa_token', schema: LoginOut } },
    errors: [401, 429],
  })
  async login(@Body(zodPipe(LoginBody)) body: z.output<typeof LoginBody>, @RequestCtx() context: Ctx) {
    return loginOut(await this.auth.call('login', { ...body, tenant: body.tenant ?? '', context }));
  }

  @Post('auth/mfa/verify')
  @RateLimited('ip')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Finish a login that answered mfa_required, with a TOTP or recovery code',
    tags: ['auth'],
    body: MfaVerifyBody,
    responses: { 200: { description: 'Tokens', schema: TokenPairOut } },
    errors: [401, 429],
  })
  async verifyMfa(
    @Body(zodPipe(MfaVerifyBody)) body: z.output<typeof MfaVerifyBody>,
    @RequestCtx() context: Ctx,
  ) {
    return tokensOut(
      await this.auth.call('verifyMfa', { mfaToken: body.mfa_token, code: body.code, context }),
    );
  }

  @Post('auth/refresh')
  @RateLimited('ip')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens (rotates; reuse revokes the family)',
    tags: ['auth'],
    body: RefreshBody,
    responses: { 200: { description: 'Tokens', schema: TokenPairOut } },
    errors: [401, 429],
  })
  async refresh(@Body(zodPipe(RefreshBody)) body: z.output<typeof RefreshBody>, @RequestCtx() context: Ctx) {
    return tokensOut(await this.auth.call('refreshTokens', { refreshToken: body.refresh_token, context }));
  }

  @Post('auth/logout')
  @RateLimited('ip')
  @HttpCode(204)
  @ApiOperation({
    summary: "Log out: revoke the refresh token's family",
    tags: ['auth'],
    body: RefreshBody,
    responses: { 204: { description: 'Logged out' } },
    errors: [401, 429],
  })
  async logout(@Body(zodPipe(RefreshBody)) body: z.output<typeof RefreshBody>, @RequestCtx() context: Ctx) {
    await this.auth.call('logout', { refreshToken: body.refresh_token, context });
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({
    summary: 'Who the credential belongs to',
    tags: ['auth'],
    auth: true,
    responses: { 200: { description: 'The caller', schema: ActorOut } },
  })
  me(@CurrentActor() actor: Actor) {
    return actorOut(actor);
  }

  @Post('auth/mfa/enroll')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start TOTP enrolment: a secret and its otpauth:// URI for an authenticator app',
    tags: ['auth'],
    auth: true,
    responses: { 200: { description: 'Pending secret', schema: MfaEnrollOut } },
    errors: [403, 409],
  })
  async enrollMfa(@CurrentActor() actor: Actor, @RequestCtx() context: Ctx) {
    const { secret, otpauthUri } = await this.auth.call('enrollMfa', { actor, context });
    return { secret, otpauth_uri: otpauthUri };
  }

  @Post('auth/mfa/confirm')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm enrolment with a code; answers the one-time recovery codes',
    tags: ['auth'],
    auth: true,
    body: MfaCodeBody,
    responses: { 200: { description: 'MFA is on', schema: MfaConfirmOut } },
    errors: [403, 409],
  })
  async confirmMfa(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(MfaCodeBody)) body: z.output<typeof MfaCodeBody>,
    @RequestCtx() context: Ctx,
  ) {
    return {
      recovery_codes: (await this.auth.call('confirmMfa', { actor, code: body.code, context })).recoveryCodes,
    };
  }

  @Delete('auth/mfa')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Turn MFA off (needs a current TOTP or recovery code)',
    tags: ['auth'],
    auth: true,
    body: MfaCodeBody,
    responses: { 204: { description: 'MFA is off' } },
    errors: [403, 409],
  })
  async disableMfa(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(MfaCodeBody)) body: z.output<typeof MfaCodeBody>,
    @RequestCtx() context: Ctx,
  ): Promise<void> {
    await this.auth.call('disableMfa', { actor, code: body.code, context });
  }
}

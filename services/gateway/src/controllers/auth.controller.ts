import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { zodPipe } from '@brainmesh/runtime';
import type { z } from '@brainmesh/config';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { actorOut, LoginBody, RefreshBody, tokensOut } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** Sessions: login, token refresh and logout, and who the caller is. */
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Post('auth/login')
  @HttpCode(200)
  async login(@Body(zodPipe(LoginBody)) body: z.output<typeof LoginBody>) {
    return tokensOut(
      await this.auth.call('login', {
        email: body.email,
        password: body.password,
        tenant: body.tenant ?? '',
      }),
    );
  }

  @Post('auth/refresh')
  @HttpCode(200)
  async refresh(@Body(zodPipe(RefreshBody)) body: z.output<typeof RefreshBody>) {
    return tokensOut(await this.auth.call('refreshTokens', { refreshToken: body.refresh_token }));
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@Body(zodPipe(RefreshBody)) body: z.output<typeof RefreshBody>): Promise<void> {
    await this.auth.call('logout', { refreshToken: body.refresh_token });
  }

  @Get('me')
  @Authenticated()
  me(@CurrentActor() actor: Actor) {
    return actorOut(actor);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { apiKeyOut, CreateApiKeyBody, IdParam } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** The caller's tenant's API keys; a key is shown once, at creation. */
@Controller('v1/api-keys')
@Authenticated()
export class ApiKeysController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listApiKeys', { actor })).apiKeys.map(apiKeyOut) };
  }

  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateApiKeyBody)) body: z.output<typeof CreateApiKeyBody>,
  ) {
    const created = await this.auth.call('createApiKey', {
      actor,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ?? '',
    });
    return { ...apiKeyOut(created.apiKey!), key: created.key };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentActor() actor: Actor, @Param('id', zodPipe(IdParam, 'id')) id: string): Promise<void> {
    await this.auth.call('revokeApiKey', { actor, id });
  }
}

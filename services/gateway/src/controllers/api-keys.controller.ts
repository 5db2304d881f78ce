import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { authV1 } from '@brainmesh/contracts';
import type { Actor } from '../auth/authenticator';
import { RequestCtx } from '../auth/request-context.decorator';
import { ApiKeyCreatedOut, apiKeyOut, ApiKeyOut, CreateApiKeyBody, IdParam, listOf } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** The caller's tenant's API keys; a key is shown once, at creation. */
@Controller('v1/api-keys')
@Authenticated()
export class ApiKeysController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  @ApiOperation({
    summary: "List the tenant's API keys (never the secrets)",
    tags: ['api-keys'],
    auth: true,
    responses: { 200: { description: 'The keys', schema: listOf(ApiKeyOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listApiKeys', { actor })).apiKeys.map(apiKeyOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create an API key; the secret is in this response only',
    tags: ['api-keys'],
    auth: true,
    body: CreateApiKeyBody,
    responses: { 201: { description: 'Created', schema: ApiKeyCreatedOut } },
    errors: [403],
  })
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateApiKeyBody)) body: z.output<typeof CreateApiKeyBody>,
    @RequestCtx() context: authV1.RequestContext,
  ) {
    const created = await this.auth.call('createApiKey', {
      actor,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ?? '',
      context,
    });
    return { ...apiKeyOut(created.apiKey!), key: created.key };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key (refused everywhere within 5 s)',
    tags: ['api-keys'],
    auth: true,
    params: { id: IdParam },
    responses: { 204: { description: 'Revoked' } },
    errors: [403, 404],
  })
  async revoke(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @RequestCtx() context: authV1.RequestContext,
  ): Promise<void> {
    await this.auth.call('revokeApiKey', { actor, id, context });
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import {
  CreateProviderBody,
  createProviderFields,
  ProviderOut,
  providerOut,
  UpdateProviderBody,
  updateProviderFields,
} from '../dtos/ai.dto';
import { IdParam, listOf } from '../dtos/auth.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';

/** LLM provider accounts of the caller's tenant (and, for operators, the platform-wide ones). */
@Controller('v1/providers')
@Authenticated()
export class ProvidersController {
  constructor(private readonly aiRouting: AiRoutingClientRepository) {}

  @Get()
  @ApiOperation({
    summary: "List the providers visible to the caller (the tenant's and the platform-wide ones)",
    tags: ['providers'],
    auth: true,
    responses: { 200: { description: 'The providers, by name', schema: listOf(ProviderOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: authV1.Actor) {
    return { data: (await this.aiRouting.call('listProviders', { actor })).providers.map(providerOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a provider; its API key is stored encrypted and never returned',
    tags: ['providers'],
    auth: true,
    body: CreateProviderBody,
    responses: { 201: { description: 'Created', schema: ProviderOut } },
    errors: [403, 409],
  })
  async create(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(CreateProviderBody)) body: z.output<typeof CreateProviderBody>,
  ) {
    return providerOut(
      (await this.aiRouting.call('createProvider', { actor, ...createProviderFields(body) })).provider!,
    );
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a provider',
    tags: ['providers'],
    auth: true,
    params: { id: IdParam },
    responses: { 200: { description: 'The provider', schema: ProviderOut } },
    errors: [403, 404],
  })
  async get(@CurrentActor() actor: authV1.Actor, @Param('id', zodPipe(IdParam, 'id')) id: string) {
    return providerOut((await this.aiRouting.call('getProvider', { actor, id })).provider!);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Change a provider (only the fields sent; `headers` replaces all headers, `api_key` rotates the key)',
    tags: ['providers'],
    auth: true,
    params: { id: IdParam },
    body: UpdateProviderBody,
    responses: { 200: { description: 'The provider', schema: ProviderOut } },
    errors: [403, 404, 409],
  })
  async update(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateProviderBody)) body: z.output<typeof UpdateProviderBody>,
  ) {
    return providerOut(
      (await this.aiRouting.call('updateProvider', { actor, id, ...updateProviderFields(body) })).provider!,
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a provider that no route uses',
    tags: ['providers'],
    auth: true,
    params: { id: IdParam },
    responses: { 204: { description: 'Deleted' } },
    errors: [403, 404, 409],
  })
  async remove(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
  ): Promise<void> {
    await this.aiRouting.call('deleteProvider', { actor, id });
  }
}

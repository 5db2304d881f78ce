import { Body, Controller, Get, Put } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import { PriceOut, priceOut, pricesIn, UpsertPricesBody } from '../dtos/ai.dto';
import { listOf } from '../dtos/auth.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';

/** The price table (USD per million tokens by upstream model) that costs and budgets use. */
@Controller('v1/prices')
@Authenticated()
export class PricesController {
  constructor(private readonly aiRouting: AiRoutingClientRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List the price table',
    tags: ['prices'],
    auth: true,
    responses: { 200: { description: 'The prices, by model', schema: listOf(PriceOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: authV1.Actor) {
    return { data: (await this.aiRouting.call('listPrices', { actor })).prices.map(priceOut) };
  }

  @Put()
  @ApiOperation({
    summary: 'Create or replace price table entries (platform operators)',
    tags: ['prices'],
    auth: true,
    body: UpsertPricesBody,
    responses: { 200: { description: 'The whole price table after the change', schema: listOf(PriceOut) } },
    errors: [403],
  })
  async upsert(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(UpsertPricesBody)) body: z.output<typeof UpsertPricesBody>,
  ) {
    return {
      data: (await this.aiRouting.call('upsertPrices', { actor, prices: pricesIn(body) })).prices.map(
        priceOut,
      ),
    };
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import {
  BudgetOut,
  budgetOut,
  CreateBudgetBody,
  createBudgetFields,
  UpdateBudgetBody,
  updateBudgetFields,
} from '../dtos/ai.dto';
import { IdParam, listOf } from '../dtos/auth.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';

/** USD spending limits of the caller's tenant (per tenant or per API key, per day or month). */
@Controller('v1/budgets')
@Authenticated()
export class BudgetsController {
  constructor(private readonly aiRouting: AiRoutingClientRepository) {}

  @Get()
  @ApiOperation({
    summary: "List the tenant's budgets with their spend in the current period",
    tags: ['budgets'],
    auth: true,
    responses: { 200: { description: 'The budgets', schema: listOf(BudgetOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: authV1.Actor) {
    return { data: (await this.aiRouting.call('listBudgets', { actor })).budgets.map(budgetOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a budget (hard budgets refuse calls with 402 once reached)',
    tags: ['budgets'],
    auth: true,
    body: CreateBudgetBody,
    responses: { 201: { description: 'Created', schema: BudgetOut } },
    errors: [403, 404, 409],
  })
  async create(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(CreateBudgetBody)) body: z.output<typeof CreateBudgetBody>,
  ) {
    return budgetOut(
      (await this.aiRouting.call('createBudget', { actor, ...createBudgetFields(body) })).budget!,
    );
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a budget (only the fields sent)',
    tags: ['budgets'],
    auth: true,
    params: { id: IdParam },
    body: UpdateBudgetBody,
    responses: { 200: { description: 'The budget', schema: BudgetOut } },
    errors: [403, 404],
  })
  async update(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateBudgetBody)) body: z.output<typeof UpdateBudgetBody>,
  ) {
    return budgetOut(
      (await this.aiRouting.call('updateBudget', { actor, id, ...updateBudgetFields(body) })).budget!,
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a budget',
    tags: ['budgets'],
    auth: true,
    params: { id: IdParam },
    responses: { 204: { description: 'Deleted' } },
    errors: [403, 404],
  })
  async remove(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
  ): Promise<void> {
    await this.aiRouting.call('deleteBudget', { actor, id });
  }
}

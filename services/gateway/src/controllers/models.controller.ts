import { Controller, Get } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import { modelListOut, ModelListOut } from '../dtos/ai.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';

/** OpenAI-compatible model list: the routes the caller may call. */
@Controller('v1/models')
@Authenticated()
export class ModelsController {
  constructor(private readonly aiRouting: AiRoutingClientRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List the models (routes) the caller may use (OpenAI-compatible)',
    tags: ['openai'],
    auth: true,
    responses: { 200: { description: 'The models', schema: ModelListOut } },
    errors: [403],
  })
  async list(@CurrentActor() actor: authV1.Actor) {
    return modelListOut((await this.aiRouting.call('listModels', { actor })).models);
  }
}

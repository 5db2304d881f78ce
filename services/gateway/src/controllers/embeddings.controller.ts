import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import { EmbeddingsBody, EmbeddingsOut, type EmbeddingsInput } from '../dtos/ai.dto';
import { OpenAiRelay } from '../openai/openai.relay';

/** OpenAI-compatible embeddings, routed by ai-routing. */
@Controller('v1/embeddings')
@Authenticated()
export class EmbeddingsController {
  constructor(private readonly relay: OpenAiRelay) {}

  @Post()
  @ApiOperation({
    summary: 'Create embeddings (OpenAI-compatible)',
    tags: ['openai'],
    auth: true,
    body: EmbeddingsBody,
    responses: {
      200: {
        description:
          'The embeddings; headers x-brainmesh-route, x-brainmesh-deployment, x-brainmesh-cache, x-brainmesh-cost-usd',
        schema: EmbeddingsOut,
      },
    },
    errors: [402, 403, 404, 413, 415, 502, 503, 504],
  })
  async create(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(EmbeddingsBody)) body: EmbeddingsInput,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.relay.embeddings(actor, body, request, reply);
  }
}

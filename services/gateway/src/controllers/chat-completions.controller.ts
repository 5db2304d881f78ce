import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import { ChatCompletionBody, ChatCompletionOut, type ChatCompletionInput } from '../dtos/ai.dto';
import { OpenAiRelay } from '../openai/openai.relay';

/** OpenAI-compatible chat completions, routed by ai-routing (JSON, or server-sent events with `stream: true`). */
@Controller('v1/chat/completions')
@Authenticated()
export class ChatCompletionsController {
  constructor(private readonly relay: OpenAiRelay) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a chat completion (OpenAI-compatible; with `stream: true` the answer is `text/event-stream`: `data: <chunk>` events, then `data: [DONE]`)',
    tags: ['openai'],
    auth: true,
    body: ChatCompletionBody,
    responses: {
      200: {
        description:
          'The completion; headers x-brainmesh-route, x-brainmesh-deployment, x-brainmesh-cache, x-brainmesh-cost-usd (not for streams)',
        schema: ChatCompletionOut,
      },
    },
    errors: [402, 403, 404, 413, 415, 502, 503, 504],
  })
  async create(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(ChatCompletionBody)) body: ChatCompletionInput,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.relay.chatCompletion(actor, body, request, reply);
  }
}

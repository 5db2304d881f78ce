import { Inject, Injectable } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import type { Logger } from '@brainmesh/logging';
import { LOGGER } from '@brainmesh/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatCompletionInput, EmbeddingsInput } from '../dtos/ai.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';
import { collectChatEvents, noResponse, streamChatEvents } from './chat-events';
import { routingHeaders } from './routing-headers';

/** Aborts when the client closes the connection before the response was completely sent. */
function abortWhenClientLeaves(reply: FastifyReply): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const raw = reply.raw;
  const onClose = () => {
    if (!raw.writableFinished) controller.abort();
  };
  if (raw.destroyed) controller.abort();
  else raw.once('close', onClose);
  return { signal: controller.signal, dispose: () => raw.removeListener('close', onClose) };
}

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * The OpenAI-compatible data plane: sends shape-checked request bodies to ai-routing and relays
 * its answers byte for byte (JSON, or server-sent events for `stream: true`), with the
 * `x-brainmesh-*` routing headers. A client that disconnects cancels the gRPC call (and so the
 * upstream request).
 */
@Injectable()
export class OpenAiRelay {
  constructor(
    private readonly aiRouting: AiRoutingClientRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `POST /v1/chat/completions`: answers on `reply` itself (JSON or SSE). */
  async chatCompletion(
    actor: authV1.Actor,
    body: ChatCompletionInput,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const client = abortWhenClientLeaves(reply);
    const call = this.aiRouting.streamChatCompletion(
      {
        actor,
        body: Buffer.from(JSON.stringify(body)),
        cacheControl: header(request, 'cache-control'),
        requestId: String(request.id),
        batchChunks: true,
      },
      client.signal,
    );
    try {
      if (body.stream === true) {
        await streamChatEvents(call, reply.raw, {
          headers: (start) => ({ ...reply.getHeaders(), ...routingHeaders(start) }),
          onOpen: () => reply.hijack(),
          cancelled: () => client.signal.aborted,
          onLateError: (err, status) => {
            if (status >= 500)
              this.logger.warn({ err, request_id: String(request.id) }, 'chat completion stream failed');
          },
        });
      } else {
        const answer = await collectChatEvents(call);
        void reply
          .status(200)
          .headers({ ...routingHeaders(answer.start, answer.end), 'content-type': 'application/json' })
          .send(answer.body);
      }
    } catch (err) {
      // The client is gone: there is no one to answer.
      if (client.signal.aborted) return void reply.hijack();
      throw err;
    } finally {
      client.dispose();
    }
  }

  /** `POST /v1/embeddings`: answers on `reply` itself. */
  async embeddings(
    actor: authV1.Actor,
    body: EmbeddingsInput,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const client = abortWhenClientLeaves(reply);
    try {
      const answer = await this.aiRouting.call(
        'createEmbeddings',
        {
          actor,
          body: Buffer.from(JSON.stringify(body)),
          cacheControl: header(request, 'cache-control'),
          requestId: String(request.id),
        },
        client.signal,
      );
      if (answer.body.length === 0) throw noResponse();
      void reply
        .status(200)
        .headers({ ...routingHeaders(answer.routing, answer.usage), 'content-type': 'application/json' })
        .send(answer.body);
    } catch (err) {
      if (client.signal.aborted) return void reply.hijack();
      throw err;
    } finally {
      client.dispose();
    }
  }
}

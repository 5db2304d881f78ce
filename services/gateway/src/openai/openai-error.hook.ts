import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PROBLEM_CONTENT_TYPE } from '@brainmesh/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isProblemBody, OPENAI_ROUTES, openAiErrorOf, retryAfterSeconds } from './openai-error';

/**
 * Rewrites a problem+json answer of an OpenAI route: the RFC 9457 members stay, an OpenAI `error`
 * member is added, and `Retry-After` is set from a `retry_after_s` extension. Everything else
 * (other routes, successes, streams) passes untouched.
 */
export function shapeOpenAiError(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const route = request.routeOptions.url;
  if (reply.statusCode < 400 || route === undefined || !OPENAI_ROUTES.has(route)) return payload;
  const contentType = reply.getHeader('content-type');
  if (typeof contentType !== 'string' || !contentType.startsWith(PROBLEM_CONTENT_TYPE)) return payload;
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : null;
  if (text === null) return payload;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return payload;
  }
  if (!isProblemBody(body) || 'error' in body) return payload;
  const retryAfter = retryAfterSeconds(body);
  if (retryAfter !== undefined && !reply.hasHeader('retry-after'))
    void reply.header('retry-after', String(retryAfter));
  return JSON.stringify({ ...body, error: openAiErrorOf(body, route) });
}

/** Installs {@link shapeOpenAiError} as an `onSend` hook (covers guard, pipe, gRPC and body-parser errors). */
export function installOpenAiErrorShaping(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    done(null, shapeOpenAiError(request, reply, payload));
  });
}

/** Registers the OpenAI error shaping on the gateway's Fastify instance before it starts listening. */
@Injectable()
export class OpenAiErrorShaping implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    installOpenAiErrorShaping(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}

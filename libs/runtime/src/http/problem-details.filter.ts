import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../problem/problem';
import { LOGGER } from '../tokens';

/** The one global filter: every error leaves as RFC 9457 problem+json with the request id. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, unexpected } = toProblem(exception);
    if (unexpected)
      this.logger.error({ err: exception, method: request.method, url: request.url }, 'unhandled error');
    const body = { ...problem, instance: request.url.split('?')[0], request_id: String(request.id) };
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}

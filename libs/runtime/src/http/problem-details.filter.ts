import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, NotFoundException } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem as problemFor, toProblem } from '../problem/problem';
import { LOGGER } from '../tokens';

/** The one global filter: every error leaves as RFC 9457 problem+json with the request id. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0]!;
    const { problem: mapped, unexpected } = toProblem(exception);
    let problem = mapped;
    if (problem.status === 404 && exception instanceof NotFoundException) {
      const allowed = request.server.allowedMethods(path);
      if (allowed.length > 0) {
        problem = problemFor(405, `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`);
        void reply.header('allow', allowed.join(', '));
      }
    }
    if (unexpected)
      this.logger.error({ err: exception, method: request.method, url: request.url }, 'unhandled error');
    const body = { ...problem, instance: path, request_id: String(request.id) };
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}

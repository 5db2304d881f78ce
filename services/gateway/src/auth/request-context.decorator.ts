import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import type { FastifyRequest } from 'fastify';

/** Who is asking, for the audit log: client address, user agent and request id. */
export const RequestCtx = createParamDecorator(
  (_data: unknown, context: ExecutionContext): authV1.RequestContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userAgent = request.headers['user-agent'];
    return {
      // Fastify resolves X-Forwarded-For when TRUST_PROXY=true (one proxy hop).
      ip: request.ip,
      userAgent: (Array.isArray(userAgent) ? userAgent[0] : userAgent)?.slice(0, 512) ?? '',
      requestId: String(request.id),
    };
  },
);

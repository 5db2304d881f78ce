import {
  applyDecorators,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from './rate-limiter';

const RATE_LIMIT_SCOPE = 'brainmesh:rate-limit-scope';

/** Limits routes marked `@RateLimited('ip')` per client address (before the body is even parsed into a DTO). */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<'ip' | undefined>(RATE_LIMIT_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope === 'ip') {
      const http = context.switchToHttp();
      await this.limiter.limitClient(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    }
    return true;
  }
}

/**
 * Route decorator for unauthenticated routes: a token bucket per client address (RATE_LIMITS.ip).
 * Authenticated routes need nothing: `@Authenticated()` limits per credential.
 */
export const RateLimited = (scope: 'ip') =>
  applyDecorators(SetMetadata(RATE_LIMIT_SCOPE, scope), UseGuards(RateLimitGuard));

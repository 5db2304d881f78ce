import {
  applyDecorators,
  createParamDecorator,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { setContextTenant } from '@brainmesh/logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { Authenticator, type Actor } from './authenticator';

type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/**
 * Requires a valid credential; the Actor it resolves to is available as `@CurrentActor()`.
 * Then applies the credential's rate limit (429 when exhausted).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.actor = await this.authenticator.authenticate(request.headers.authorization);
    if (request.actor.tenantId) setContextTenant(request.actor.tenantId);
    await this.limiter.limitActor(request.actor, context.switchToHttp().getResponse<FastifyReply>());
    return true;
  }
}

/** Controller or route decorator: authentication required (authorisation happens in the owning service). */
export const Authenticated = () => applyDecorators(UseGuards(AuthGuard));

export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without @Authenticated()');
  return actor;
});

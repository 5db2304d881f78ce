import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

// OPTIONS is left out: CORS registers a catch-all preflight route that matches every path.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Methods that have a route for this path (empty when the path has none at all). */
    allowedMethods(path: string): string[];
  }
}

/**
 * Mirrors every registered route into a method-aware router so that a request to a known path
 * with the wrong method can be answered 405 with an `Allow` header instead of 404.
 */
export function installMethodNotAllowed(fastify: FastifyInstance): void {
  const router = FindMyWay({ ignoreTrailingSlash: true });
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!router.hasRoute(method as never, route.url))
        router.on(method as never, route.url, () => undefined);
    }
  });
  fastify.decorate('allowedMethods', (path: string) =>
    METHODS.filter((method) => router.find(method, path) !== null),
  );
}

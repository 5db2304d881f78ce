import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

// OPTIONS is left out: CORS registers a catch-all preflight route that matches every path.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Methods that have a route for this path (empty when the path has none at all). */
    allowedMethods(path: string): string[];
    /** Every route this server serves (method and URL pattern), HEAD and OPTIONS left out. */
    servedRoutes(): { method: string; url: string }[];
  }
}

/**
 * The table of served routes. Mirrors every registered route into a method-aware router so that a request to a known path
 * with the wrong method can be answered 405 with an `Allow` header instead of 404.
 */
export function installRouteTable(fastify: FastifyInstance): void {
  const router = FindMyWay({ ignoreTrailingSlash: true });
  const served: { method: string; url: string }[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method !== 'HEAD' && method !== 'OPTIONS') served.push({ method, url: route.url });
      if (!router.hasRoute(method as never, route.url))
        router.on(method as never, route.url, () => undefined);
    }
  });
  fastify.decorate('servedRoutes', () => [...served]);
  fastify.decorate('allowedMethods', (path: string) =>
    METHODS.filter((method) => router.find(method, path) !== null),
  );
}

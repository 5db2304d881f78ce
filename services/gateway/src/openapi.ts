import type { Provider, Type } from '@nestjs/common';
import { buildOpenApiDocument, HealthController, ServiceInfo } from '@brainmesh/runtime';

export const OPENAPI_DOCUMENT = Symbol('gateway.openapi-document');

/** The OpenAPI document of the gateway's controllers plus the runtime's health routes, built once. */
export function openApiDocumentProvider(controllers: Type<unknown>[]): Provider {
  return {
    provide: OPENAPI_DOCUMENT,
    inject: [ServiceInfo],
    useFactory: (info: ServiceInfo) => {
      let document: Record<string, unknown> | undefined;
      return () =>
        (document ??= buildOpenApiDocument([HealthController, ...controllers], {
          title: 'brainmesh API',
          version: info.version,
          description:
            'The public API of brainmesh: sessions, API keys, users and tenants today; the OpenAI-compatible API, knowledge bases, workflows and analytics as they arrive. Errors are RFC 9457 problem+json.',
        }));
    },
  };
}

import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { statusTitle } from '@brainmesh/problem-details';
import { z } from 'zod';
import { API_OPERATION, type ApiOperationSpec } from './api-operation.decorator';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type JsonObject = Record<string, unknown>;

/** An OpenAPI path template from a Nest/Fastify path: `/v1/users/:id` -> `/v1/users/{id}`. */
export function toOpenApiPath(path: string): string {
  const joined = `/${path}`.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
}

const PROBLEM_SCHEMA: JsonObject = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/**
 * Builds the OpenAPI 3.1 document from the controllers' routing metadata and their
 * `@ApiOperation` specs. A route without a spec is an error: every served route is documented.
 */
export function buildOpenApiDocument(controllers: Type<unknown>[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const verb = HTTP_METHODS[method];
      const routePath = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const path = toOpenApiPath(`${base}/${routePath}`);
      const spec = Reflect.getMetadata(API_OPERATION, handler) as ApiOperationSpec | undefined;
      if (!verb) throw new Error(`${controller.name}.${name}: unsupported HTTP method for OpenAPI`);
      if (!spec)
        throw new Error(`${controller.name}.${name} (${verb.toUpperCase()} ${path}) has no @ApiOperation`);
      paths[path] = {
        ...paths[path],
        [verb]: operation(spec, `${controller.name.replace(/Controller$/, '')}_${name}`, path),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`bm_…`) or an access token from POST /v1/auth/login.',
        },
      },
    },
  };
}

function operation(spec: ApiOperationSpec, operationId: string, path: string): JsonObject {
  const parameters: JsonObject[] = [];
  for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
    const schema = spec.params?.[name];
    parameters.push({
      name,
      in: 'path',
      required: true,
      schema: schema ? jsonSchema(schema, 'input') : { type: 'string' },
    });
  }
  if (spec.query) {
    const shape = spec.query.shape as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(shape)) {
      parameters.push({
        name,
        in: 'query',
        required: !schema.safeParse(undefined).success,
        schema: jsonSchema(schema, 'input'),
      });
    }
  }
  const responses: Record<string, JsonObject> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const contentType = response.contentType ?? 'application/json';
    responses[status] = {
      description: response.description,
      ...(response.schema || response.contentType
        ? {
            content: {
              [contentType]: {
                schema: response.schema ? jsonSchema(response.schema, 'output') : { type: 'string' },
              },
            },
          }
        : {}),
    };
  }
  const errors = new Set([
    ...(spec.errors ?? []),
    ...(spec.body || spec.query || spec.params ? [400] : []),
    ...(spec.auth ? [401, 429] : []),
    500,
  ]);
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: statusTitle(status),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    operationId,
    summary: spec.summary,
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.auth ? { security: [{ bearer: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

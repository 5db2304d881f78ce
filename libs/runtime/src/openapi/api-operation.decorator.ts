import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_OPERATION = 'brainmesh:api-operation';

export interface ApiResponseSpec {
  description: string;
  /** The JSON body (omit for empty answers such as 204). */
  schema?: z.ZodType;
  /** Non-JSON bodies, e.g. `text/plain` for Prometheus metrics. */
  contentType?: string;
}

/** What the OpenAPI document says about one route; the schemas are the ones the route validates with. */
export interface ApiOperationSpec {
  summary: string;
  tags?: string[];
  /** Bearer credential (API key or access token) required. */
  auth?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: Record<string, z.ZodType>;
  /** Success responses by status; error responses (problem+json) are added from `errors`. */
  responses: Record<number, ApiResponseSpec>;
  /** Client and server error statuses this route can answer (400, 401, 404, …). */
  errors?: number[];
}

/** Documents a route in the served OpenAPI 3.1 document (`GET /openapi.json`). */
export const ApiOperation = (spec: ApiOperationSpec) => SetMetadata(API_OPERATION, spec);

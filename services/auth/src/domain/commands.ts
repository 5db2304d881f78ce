import { z } from '@brainmesh/config';
import { ActorSchema } from './actor';
import { SLUG_PATTERN } from './platform';

/** Shared pieces of zod-validated commands (proto strings arrive as '' when unset). */
export const optionalString = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());
export const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const password = z.string().min(12, 'must be at least 12 characters').max(256);
export const slug = z
  .string()
  .min(3)
  .max(40)
  .regex(SLUG_PATTERN, 'lower-case letters, digits and single dashes');
export const id = z.string().uuid();
/** The caller: required at runtime (missing -> INVALID_ARGUMENT), optional in the input type like the proto field. */
export const actor = z.unknown().pipe(ActorSchema);

/** What a use case accepts: any transport's shape (e.g. a proto request); `parse` validates it. */
export type CommandInput<S extends z.ZodType> = { [K in keyof z.input<S>]?: unknown };

const clipped = (max: number) => optionalString(z.string().transform((s) => s.slice(0, max)));
/** Where the request came from (filled by the gateway; every field optional, long values clipped). */
export const requestContext = z.preprocess(
  (v) => v ?? {},
  z.object({ ip: clipped(64), userAgent: clipped(512), requestId: clipped(128) }),
);
export type RequestContext = z.output<typeof requestContext>;

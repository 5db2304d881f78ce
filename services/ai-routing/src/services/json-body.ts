import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../domain/ai-error';

/** Parses a request body forwarded as JSON bytes and checks the fields routing relies on (400 naming them). */
export function parseJsonBody<S extends z.ZodType>(bytes: Uint8Array, schema: S): z.output<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw AiError.invalid('body', 'is not valid JSON');
  }
  const result = schema.safeParse(parsed);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
  throw new AiError(AiErrorCode.InvalidArgument, errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
    errors,
  });
}

import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { validationProblem, zodIssuesToFieldErrors } from '../problem/problem';

/**
 * Validates a body, query or path parameter with a zod schema; a mismatch is a 400 problem naming
 * every field at fault (prefixed with `root` for parameters, e.g. `id`).
 */
export function zodPipe<S extends z.ZodType>(schema: S, root?: string): PipeTransform<unknown, z.output<S>> {
  return {
    transform(value: unknown): z.output<S> {
      const result = schema.safeParse(value);
      if (!result.success) throw validationProblem(zodIssuesToFieldErrors(result.error, root));
      return result.data;
    },
  };
}

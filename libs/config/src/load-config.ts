import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error';

export type Env = Record<string, string | undefined>;

/** Variables whose values never appear in error messages. */
const SECRET_PATTERN = /(PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL)/i;

/**
 * Validates `env` against an object schema whose keys are environment variable names.
 * Empty strings count as unset. Throws one {@link ConfigError} listing every variable at
 * fault with the expected form, so a wrong deployment fails at boot with one clear message.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(config)');
    const raw = input[variable];
    return {
      variable,
      expected: describeExpected(schema, variable, issue.message),
      received: raw === undefined ? undefined : SECRET_PATTERN.test(variable) ? '<redacted>' : raw,
    };
  });
  throw new ConfigError(issues);
}

function describeExpected(schema: z.ZodObject, variable: string, fallback: string): string {
  const field = schema.shape[variable] as z.ZodType | undefined;
  const description = field?.description;
  return description ?? fallback.replace(/^Invalid input: /, '').toLowerCase();
}

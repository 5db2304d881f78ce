/**
 * Keys whose values are secrets wherever they appear in a logged object (case-insensitive):
 * credentials, tokens, provider keys. Matching is by key name at any depth.
 */
const SECRET_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'api_key',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'mfa_token',
  'private_key',
  'privatekey',
  'encryption_key',
  'credentials',
];

const SECRET_KEY_SET = new Set(SECRET_KEYS);
const SECRET_KEY_PATTERN = /(password|secret|api[-_]?key|token|private[-_]?key|credential)/i;

export const REDACTED = '[REDACTED]';

/** True when a property with this name holds a secret. */
export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_KEY_SET.has(lower) || SECRET_KEY_PATTERN.test(lower);
}

/** Secret-looking values inside free text: bearer tokens, brainmesh and provider API keys. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  /\bbm_[A-Za-z0-9]{16,}\b/g,
  /\bsk-(ant-)?[A-Za-z0-9_-]{16,}\b/g,
  /\bpostgres(ql)?:\/\/([^:/\s]+):([^@\s]+)@/g,
];

export function scrubText(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) {
    out = out.replace(pattern, (match, ...groups) =>
      match.startsWith('postgres') ? match.replace(`:${String(groups[2])}@`, `:${REDACTED}@`) : REDACTED,
    );
  }
  return out;
}

/** Deep copy of `value` with secret keys replaced and secret-looking strings scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack && scrubText(value.stack),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

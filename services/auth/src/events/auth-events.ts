import { z } from '@brainmesh/config';
import { defineEvent, TOPICS } from '@brainmesh/events';

/**
 * `auth.*` events, published through the outbox in the same transaction as the change. Data never
 * carries secrets (no passwords, hashes, keys or tokens). Platform-level events (operators, signing
 * keys) use the tenant id `platform`.
 */
const by = z.string().min(1).describe('actor reference: user:<id>, api_key:<id>, operator:<id> or system');
const ev = <S extends z.ZodType>(type: string, schema: S) =>
  defineEvent({ type, version: 1, topic: TOPICS.auth, schema });

export const TenantCreatedEvent = ev(
  'auth.tenant.created',
  z.object({ tenant_id: z.string(), slug: z.string(), name: z.string(), plan: z.string(), by }),
);
export const TenantUpdatedEvent = ev(
  'auth.tenant.updated',
  z.object({ tenant_id: z.string(), status: z.string(), name: z.string(), plan: z.string(), by }),
);
export const UserCreatedEvent = ev(
  'auth.user.created',
  z.object({ user_id: z.string(), email: z.string(), role: z.string(), by }),
);
export const UserUpdatedEvent = ev(
  'auth.user.updated',
  z.object({ user_id: z.string(), role: z.string(), previous_role: z.string(), by }),
);
export const UserDeletedEvent = ev('auth.user.deleted', z.object({ user_id: z.string(), by }));
export const LoginSucceededEvent = ev(
  'auth.login.succeeded',
  z.object({ user_id: z.string(), family_id: z.string() }),
);
export const LoginFailedEvent = ev(
  'auth.login.failed',
  z.object({
    user_id: z.string(),
    failed_logins: z.number().int(),
    locked_until: z.string().nullable(),
    reason: z.enum(['bad_password', 'locked', 'bad_mfa_code']),
  }),
);
export const RefreshTokenReuseDetectedEvent = ev(
  'auth.refresh_token.reuse_detected',
  z.object({ user_id: z.string(), family_id: z.string(), revoked_tokens: z.number().int() }),
);
export const SessionRevokedEvent = ev(
  'auth.session.revoked',
  z.object({ user_id: z.string(), family_id: z.string() }),
);
export const ApiKeyCreatedEvent = ev(
  'auth.api_key.created',
  z.object({
    api_key_id: z.string(),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    expires_at: z.string().nullable(),
    by,
  }),
);
export const ApiKeyRevokedEvent = ev('auth.api_key.revoked', z.object({ api_key_id: z.string(), by }));
export const SigningKeyRotatedEvent = ev('auth.signing_key.rotated', z.object({ kid: z.string(), by }));
export const MfaEnabledEvent = ev('auth.mfa.enabled', z.object({ user_id: z.string(), by }));
export const MfaDisabledEvent = ev(
  'auth.mfa.disabled',
  z.object({ user_id: z.string(), method: z.enum(['totp', 'recovery_code']), by }),
);
export const MfaRecoveryCodeUsedEvent = ev(
  'auth.mfa.recovery_code_used',
  z.object({ user_id: z.string(), remaining: z.number().int() }),
);

import { API_KEY_SCOPES, TENANT_ROLES } from '@brainmesh/access-control';
import { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';

/** Request bodies of the auth and admin routes (snake_case on the wire, like OpenAI's API). */

const email = z.email().max(320);
const password = z.string().min(1).max(1024);

export const LoginBody = z.strictObject({ email, password, tenant: z.string().min(1).max(64).optional() });
export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(512) });

/** The scopes an API key may carry: the permission matrix's own list (one place for every service). */
export { API_KEY_SCOPES };
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

/** Roles a tenant user can have (operators are not tenant users). */
export const ROLES = TENANT_ROLES;
export const CreateUserBody = z.strictObject({ email, password, role: z.enum(ROLES) });
export const UpdateUserBody = z.strictObject({ role: z.enum(ROLES) });

export const CreateTenantBody = z.strictObject({
  slug: z.string().min(3).max(40),
  name: z.string().trim().min(1).max(200),
  owner_email: email,
  owner_password: password,
});
export const UpdateTenantBody = z
  .strictObject({
    status: z.enum(['active', 'suspended']).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    plan: z.string().min(1).max(64).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'send at least one of status, name, plan' });

export const IdParam = z.uuid();

const orNull = (v: string) => (v === '' ? null : v);

/** Response bodies (the OpenAPI document is generated from these). */
export const TokenPairOut = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds until the access token expires'),
});
export const ApiKeyOut = z.object({
  id: z.uuid(),
  prefix: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const ApiKeyCreatedOut = ApiKeyOut.extend({
  key: z.string().describe('the secret, shown only in this response'),
});
export const UserOut = z.object({
  id: z.uuid(),
  email: z.string(),
  role: z.string(),
  created_at: z.string(),
});
export const TenantOut = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  plan: z.string(),
  created_at: z.string(),
});
export const TenantCreatedOut = TenantOut.extend({ owner_user_id: z.uuid() });
export const ActorOut = z.object({
  subject_type: z.enum(['user', 'api_key', 'operator']),
  subject_id: z.string(),
  tenant_id: z.string().nullable(),
  role: z.string().nullable(),
  scopes: z.array(z.string()),
  plan: z.string().nullable().describe("the tenant's plan (rate limits)"),
});
export const JwksOut = z.object({
  keys: z.array(
    z.object({
      kty: z.string(),
      crv: z.string(),
      x: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
    }),
  ),
});
export const listOf = <S extends z.ZodType>(item: S) => z.object({ data: z.array(item) });

export function tokensOut(t: {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}): z.output<typeof TokenPairOut> {
  return {
    access_token: t.accessToken,
    refresh_token: t.refreshToken,
    token_type: 'Bearer',
    expires_in: t.expiresIn,
  };
}

export function apiKeyOut(k: authV1.ApiKey): z.output<typeof ApiKeyOut> {
  return {
    id: k.id,
    prefix: k.prefix,
    name: k.name,
    scopes: k.scopes,
    created_at: k.createdAt,
    expires_at: orNull(k.expiresAt),
    last_used_at: orNull(k.lastUsedAt),
    revoked_at: orNull(k.revokedAt),
  };
}

export function userOut(u: authV1.User): z.output<typeof UserOut> {
  return { id: u.id, email: u.email, role: u.role, created_at: u.createdAt };
}

export function tenantOut(t: authV1.Tenant): z.output<typeof TenantOut> {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    status: t.status as 'active' | 'suspended',
    plan: t.plan,
    created_at: t.createdAt,
  };
}

export function actorOut(a: authV1.Actor): z.output<typeof ActorOut> {
  return {
    subject_type: a.subjectType as 'user' | 'api_key' | 'operator',
    subject_id: a.subjectId,
    tenant_id: orNull(a.tenantId),
    role: orNull(a.role),
    scopes: a.scopes,
    plan: orNull(a.plan),
  };
}

export const MfaVerifyBody = z.strictObject({
  mfa_token: z.string().min(1).max(512),
  code: z.string().min(6).max(32).describe('a 6-digit TOTP code or a recovery code'),
});
export const MfaCodeBody = z.strictObject({ code: z.string().min(6).max(32) });
export const LoginOut = z.union([
  TokenPairOut,
  z.object({
    mfa_required: z.literal(true),
    mfa_token: z.string().describe('send it with a code to /v1/auth/mfa/verify'),
  }),
]);
export const MfaEnrollOut = z.object({ secret: z.string(), otpauth_uri: z.string() });
export const MfaConfirmOut = z.object({
  recovery_codes: z.array(z.string()).describe('one-time codes, shown only in this response'),
});

export const AuditQuery = z.strictObject({
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  tenant_id: z.uuid().optional().describe('platform operators: whose log to read'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
export const AuditEventOut = z.object({
  id: z.string(),
  tenant_id: z.string().nullable(),
  actor_type: z.string(),
  actor_id: z.string(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  result: z.enum(['success', 'failure']),
  detail: z.record(z.string(), z.unknown()),
  occurred_at: z.string(),
});
export const AuditPageOut = z.object({ data: z.array(AuditEventOut), next_cursor: z.string().nullable() });

export function loginOut(r: authV1.LoginResponse): z.output<typeof LoginOut> {
  return r.mfaRequired ? { mfa_required: true, mfa_token: r.mfaToken } : tokensOut(r);
}

export function auditEventOut(e: authV1.AuditEvent): z.output<typeof AuditEventOut> {
  return {
    id: e.id,
    tenant_id: orNull(e.tenantId),
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    target_type: orNull(e.targetType),
    target_id: orNull(e.targetId),
    ip: orNull(e.ip),
    user_agent: orNull(e.userAgent),
    request_id: orNull(e.requestId),
    result: e.result as 'success' | 'failure',
    detail: e.detailJson ? (JSON.parse(e.detailJson) as Record<string, unknown>) : {},
    occurred_at: e.occurredAt,
  };
}

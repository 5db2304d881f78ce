import { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';

/** Request bodies of the auth and admin routes (snake_case on the wire, like OpenAI's API). */
const email = z.email().max(320);
const password = z.string().min(1).max(1024);

export const LoginBody = z.strictObject({ email, password, tenant: z.string().min(1).max(64).optional() });
export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(512) });

export const API_KEY_SCOPES = [
  'chat',
  'embeddings',
  'knowledge:read',
  'knowledge:write',
  'workflows:run',
  'admin',
  '*',
] as const;
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
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

export function tokensOut(t: {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}) {
  return {
    access_token: t.accessToken,
    refresh_token: t.refreshToken,
    token_type: t.tokenType || 'Bearer',
    expires_in: t.expiresIn,
  };
}

export function apiKeyOut(k: authV1.ApiKey) {
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

export function userOut(u: authV1.User) {
  return { id: u.id, email: u.email, role: u.role, created_at: u.createdAt };
}

export function tenantOut(t: authV1.Tenant) {
  return { id: t.id, slug: t.slug, name: t.name, status: t.status, plan: t.plan, created_at: t.createdAt };
}

export function actorOut(a: authV1.Actor) {
  return {
    subject_type: a.subjectType,
    subject_id: a.subjectId,
    tenant_id: orNull(a.tenantId),
    role: orNull(a.role),
    scopes: a.scopes,
  };
}

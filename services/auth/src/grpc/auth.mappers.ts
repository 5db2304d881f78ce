import type { authV1 } from '@brainmesh/contracts';
import type { Actor } from '../domain/actor';
import type { ApiKeyEntity } from '../entities/api-key.entity';
import type { TenantEntity } from '../entities/tenant.entity';
import type { UserEntity } from '../entities/user.entity';

const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : '');

export const toTenant = (t: TenantEntity): authV1.Tenant => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  status: t.status,
  plan: t.plan,
  createdAt: iso(t.createdAt),
});

export const toUser = (u: UserEntity): authV1.User => ({
  id: u.id,
  tenantId: u.tenantId ?? '',
  email: u.email,
  role: u.role,
  createdAt: iso(u.createdAt),
});

export const toApiKey = (k: ApiKeyEntity): authV1.ApiKey => ({
  id: k.id,
  tenantId: k.tenantId,
  prefix: k.prefix,
  name: k.name,
  scopes: k.scopes,
  createdAt: iso(k.createdAt),
  expiresAt: iso(k.expiresAt),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
  createdBy: k.createdBy,
});

export const toActor = (a: Actor): authV1.Actor => ({
  subjectType: a.subjectType,
  subjectId: a.subjectId,
  tenantId: a.tenantId ?? '',
  role: a.role ?? '',
  scopes: a.scopes,
});

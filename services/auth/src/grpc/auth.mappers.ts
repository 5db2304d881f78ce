import type { authV1 } from '@brainmesh/contracts';
import type { Actor } from '../domain/actor';
import type { ApiKeyEntity } from '../entities/api-key.entity';
import type { AuditEventEntity } from '../entities/audit-event.entity';
import type { LoginResult } from '../use-cases/login/login.use-case';
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
  plan: a.plan ?? '',
});

export const toLoginResponse = (r: LoginResult): authV1.LoginResponse =>
  'mfaRequired' in r
    ? {
        accessToken: '',
        refreshToken: '',
        tokenType: '',
        expiresIn: 0,
        mfaRequired: true,
        mfaToken: r.mfaToken,
      }
    : { ...r, mfaRequired: false, mfaToken: '' };

export const toAuditEvent = (e: AuditEventEntity): authV1.AuditEvent => ({
  id: e.id,
  tenantId: e.tenantId ?? '',
  actorType: e.actorType,
  actorId: e.actorId ?? '',
  action: e.action,
  targetType: e.targetType,
  targetId: e.targetId ?? '',
  ip: e.ip ?? '',
  userAgent: e.userAgent ?? '',
  requestId: e.requestId ?? '',
  result: e.result,
  detailJson: JSON.stringify(e.detail ?? {}),
  occurredAt: iso(e.occurredAt),
});

/**
 * The permission matrix of brainmesh, in ONE place (documented in docs/security.md).
 * Every authorisation decision of the platform goes through `authorize` below.
 */
import type { Actor } from './actor';

export const PERMISSIONS = [
  'users:read',
  'users:write',
  'api_keys:read',
  'api_keys:write',
  'audit:read',
  'tenants:manage',
  'signing_keys:rotate',
  'chat',
  'embeddings',
  'knowledge:read',
  'knowledge:write',
  'workflows:run',
  'ai_config:read',
  'ai_config:write',
  'ai_config:platform',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const TENANT_ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export const ROLES = [...TENANT_ROLES, 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const API_KEY_SCOPES = [
  'chat',
  'embeddings',
  'knowledge:read',
  'knowledge:write',
  'workflows:run',
  'admin',
  '*',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const USE_PLATFORM: Permission[] = [
  'chat',
  'embeddings',
  'knowledge:read',
  'knowledge:write',
  'workflows:run',
];
const TENANT_ADMIN: Permission[] = [
  'users:read',
  'users:write',
  'api_keys:read',
  'api_keys:write',
  'audit:read',
  'ai_config:read',
  'ai_config:write',
];

/** What each role may do. Operators manage the platform only; they never act inside a tenant. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: [...TENANT_ADMIN, ...USE_PLATFORM],
  admin: [...TENANT_ADMIN, ...USE_PLATFORM],
  developer: ['users:read', 'api_keys:read', 'api_keys:write', 'ai_config:read', ...USE_PLATFORM],
  viewer: ['users:read', 'api_keys:read', 'ai_config:read', 'knowledge:read'],
  operator: ['tenants:manage', 'signing_keys:rotate', 'audit:read', 'ai_config:read', 'ai_config:platform'],
};

/** What each API key scope grants (`*` = everything a tenant owner can do). */
export const SCOPE_PERMISSIONS: Readonly<Record<ApiKeyScope, readonly Permission[]>> = {
  chat: ['chat'],
  embeddings: ['embeddings'],
  'knowledge:read': ['knowledge:read'],
  'knowledge:write': ['knowledge:write'],
  'workflows:run': ['workflows:run'],
  admin: TENANT_ADMIN,
  '*': ROLE_PERMISSIONS.owner,
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** Every permission an actor holds (by role for users and operators, by scopes for API keys). */
export function permissionsOf(actor: Actor): Set<Permission> {
  if (actor.subjectType === 'api_key') {
    return new Set(actor.scopes.flatMap((s) => SCOPE_PERMISSIONS[s as ApiKeyScope] ?? []));
  }
  const role = actor.role as Role | undefined;
  if (!role || !(role in ROLE_PERMISSIONS)) return new Set();
  // An operator without tenant and a tenant user with a tenant: anything else holds nothing.
  if ((role === 'operator') !== (actor.subjectType === 'operator')) return new Set();
  return new Set(ROLE_PERMISSIONS[role]);
}

export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

/**
 * THE authorisation check: may `actor` use `permission` on resources of `resourceTenantId`
 * (undefined for platform-level resources such as tenants and signing keys)?
 */
export function authorize(
  actor: Actor,
  permission: Permission,
  resourceTenantId?: string,
): AuthorizationDecision {
  if (!permissionsOf(actor).has(permission)) {
    return { allowed: false, reason: `${actor.subjectType} lacks permission ${permission}` };
  }
  if (actor.subjectType === 'operator') return { allowed: true, reason: '' };
  if (!actor.tenantId) return { allowed: false, reason: 'actor has no tenant' };
  if (resourceTenantId !== undefined && resourceTenantId !== actor.tenantId) {
    return { allowed: false, reason: 'resource belongs to another tenant' };
  }
  return { allowed: true, reason: '' };
}

/** An actor may grant API key scopes only when it holds every permission they give. */
export function canGrantScopes(actor: Actor, scopes: readonly ApiKeyScope[]): boolean {
  const held = permissionsOf(actor);
  return scopes.every((s) => SCOPE_PERMISSIONS[s].every((p) => held.has(p)));
}

/**
 * Only owners create, promote to, demote from or delete the `owner` role; admins manage the
 * other roles; `operator` is never assigned inside a tenant.
 */
export function canManageRole(actor: Actor, role: Role): boolean {
  if (role === 'operator') return false;
  if (role === 'owner') return actor.subjectType === 'user' && actor.role === 'owner';
  return true;
}

import type { Actor } from './actor';
import { AuthError } from './auth-error';
import { authorize, type Permission } from './permissions';

/** Throws PERMISSION_DENIED unless the permission matrix allows it. Returns the actor's tenant (for tenant actors). */
export function requirePermission(actor: Actor, permission: Permission, resourceTenantId?: string): void {
  const decision = authorize(actor, permission, resourceTenantId);
  if (!decision.allowed) throw AuthError.permissionDenied(decision.reason);
}

/** The tenant a tenant-scoped request acts in: always the actor's own. */
export function tenantOf(actor: Actor): string {
  if (!actor.tenantId) throw AuthError.permissionDenied('operators do not act inside a tenant');
  return actor.tenantId;
}

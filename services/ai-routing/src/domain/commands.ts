import { ActorSchema, authorize, type Actor, type Permission } from '@brainmesh/access-control';
import { z } from '@brainmesh/config';
import { AiError } from './ai-error';

/** Proto strings arrive as '' when unset. */
export const optionalString = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());
export const id = z.string().uuid();
/** The caller: required at runtime (missing -> INVALID_ARGUMENT), optional in the input type like the proto field. */
export const actor = z.unknown().pipe(ActorSchema);

/** What a use case accepts: any transport's shape (e.g. a proto request); `parse` validates it. */
export type CommandInput<S extends z.ZodType> = { [K in keyof z.input<S>]?: unknown };

/** Throws PERMISSION_DENIED unless the permission matrix allows it. */
export function requirePermission(who: Actor, permission: Permission, resourceTenantId?: string): void {
  const decision = authorize(who, permission, resourceTenantId);
  if (!decision.allowed) throw AiError.permissionDenied(decision.reason);
}

/**
 * Who owns what a caller creates or manages: a tenant actor its tenant (needs `ai_config:write`),
 * an operator the platform (`null`, needs `ai_config:platform`).
 */
export function ownerForWrite(who: Actor): string | null {
  if (who.subjectType === 'operator') {
    requirePermission(who, 'ai_config:platform');
    return null;
  }
  requirePermission(who, 'ai_config:write', who.tenantId);
  return who.tenantId ?? null;
}

/** The owner scope a caller reads: its tenant, or the platform for operators. */
export function ownerForRead(who: Actor): string | null {
  requirePermission(who, 'ai_config:read', who.tenantId);
  return who.subjectType === 'operator' ? null : (who.tenantId ?? null);
}

export type { Actor };

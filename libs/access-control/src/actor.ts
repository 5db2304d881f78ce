import { z } from '@brainmesh/config';
import { API_KEY_SCOPES, ROLES } from './permissions';

const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The caller of a tenant-scoped or operator RPC, as the gateway built it from a verified credential. */
export const ActorSchema = z
  .object({
    subjectType: z.enum(['user', 'api_key', 'operator']),
    subjectId: z.string().uuid(),
    tenantId: z.preprocess(emptyToUndefined, z.string().uuid().optional()),
    role: z.preprocess(emptyToUndefined, z.enum(ROLES).optional()),
    scopes: z.array(z.enum(API_KEY_SCOPES)).default([]),
    /** The tenant's plan, as the credential was verified (informational). */
    plan: z.preprocess(emptyToUndefined, z.string().max(64).optional()),
  })
  .refine((a) => (a.subjectType === 'operator' ? a.tenantId === undefined : a.tenantId !== undefined), {
    message: 'operators have no tenant_id; users and API keys must have one',
    path: ['tenantId'],
  });
export type Actor = z.output<typeof ActorSchema>;

/** `user:<id>`, `api_key:<id>` or `operator:<id>`: who did something, for created_by and events. */
export function actorRef(actor: Actor): string {
  return `${actor.subjectType}:${actor.subjectId}`;
}

import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { decodeAuditCursor, encodeAuditCursor } from '../../domain/audit-cursor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, id, optionalString, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import type { AuditEventEntity } from '../../entities/audit-event.entity';
import { AuditEventRepository } from '../../repositories/audit-event.repository';

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

const instant = optionalString(z.iso.datetime({ offset: true }).transform((s) => new Date(s)));

export const ListAuditEventsCommand = z.object({
  actor,
  tenantId: optionalString(z.string().max(64)),
  actorId: optionalString(z.string().max(64)),
  action: optionalString(z.string().max(100)),
  since: instant,
  until: instant,
  limit: z.preprocess(
    (v) => (v === undefined || v === null || v === 0 ? AUDIT_PAGE_DEFAULT : v),
    z.number().int().min(1).max(AUDIT_PAGE_MAX),
  ),
  cursor: optionalString(z.string().max(200)),
});
export type ListAuditEventsCommand = CommandInput<typeof ListAuditEventsCommand>;

/**
 * The audit log, newest first, keyset-paginated by the UUIDv7 id behind an opaque cursor.
 * Tenant actors read their own tenant only (another tenant_id is PERMISSION_DENIED); operators
 * read a tenant's log by tenant_id, or platform-level events with an empty tenant_id.
 */
@Injectable()
export class ListAuditEventsUseCase {
  constructor(private readonly auditEvents: AuditEventRepository) {}

  async execute(input: ListAuditEventsCommand): Promise<{ events: AuditEventEntity[]; nextCursor: string }> {
    const command = ListAuditEventsCommand.parse(input);
    let tenantId: string | null;
    if (command.actor.subjectType === 'operator') {
      requirePermission(command.actor, 'audit:read');
      tenantId = command.tenantId ?? null;
    } else {
      tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'audit:read', command.tenantId ?? tenantId);
    }
    if (tenantId !== null && !id.safeParse(tenantId).success)
      throw new AuthError(AuthErrorCode.InvalidArgument, 'tenant_id must be a uuid.');
    const beforeId = command.cursor ? decodeAuditCursor(command.cursor) : undefined;
    const page = await this.auditEvents.list({
      tenantId,
      actorId: command.actorId,
      action: command.action,
      since: command.since,
      until: command.until,
      beforeId,
      limit: command.limit + 1,
    });
    const events = page.slice(0, command.limit);
    const more = page.length > command.limit;
    return { events, nextCursor: more ? encodeAuditCursor(events[events.length - 1]!.id) : '' };
  }
}

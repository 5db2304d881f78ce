import { Controller, Get, Query } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { AuditPageOut, auditEventOut, AuditQuery } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** The tenant's append-only audit log (operators: any tenant's, or the platform's). */
@Controller('v1/audit-events')
@Authenticated()
export class AuditEventsController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Audit events, newest first, filtered and paginated with an opaque cursor',
    tags: ['audit'],
    auth: true,
    query: AuditQuery,
    responses: { 200: { description: 'A page of events', schema: AuditPageOut } },
    errors: [403],
  })
  async list(@CurrentActor() actor: Actor, @Query(zodPipe(AuditQuery)) q: z.output<typeof AuditQuery>) {
    const page = await this.auth.call('listAuditEvents', {
      actor,
      tenantId: q.tenant_id ?? '',
      actorId: q.actor ?? '',
      action: q.action ?? '',
      since: q.since ?? '',
      until: q.until ?? '',
      limit: q.limit,
      cursor: q.cursor ?? '',
    });
    return { data: page.events.map(auditEventOut), next_cursor: page.nextCursor || null };
  }
}

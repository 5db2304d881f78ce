import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@brainmesh/events';
import { UnitOfWork } from '@brainmesh/runtime';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/actor';
import { AuthError } from '../domain/auth-error';
import type { RequestContext } from '../domain/commands';
import type {
  AuditActorType,
  AuditDetailValue,
  AuditEventEntity,
  AuditResult,
} from '../entities/audit-event.entity';
import { AuditEventRepository } from '../repositories/audit-event.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';

/** What an audit row says, before it gets its id, result and time. Mutable while the work runs. */
export interface AuditEntry {
  tenantId: string | null;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  context: RequestContext;
  /** Never secrets. */
  detail: Record<string, AuditDetailValue>;
  /** Set by a committed change that is itself a refusal (e.g. a wrong MFA code counted towards the lockout). */
  result?: AuditResult;
}

type Emit = (envelope: EventEnvelope<unknown>) => void;
/** Runs the change in one transaction together with its success audit row. */
export type AuditedCommit = <T>(
  work: (manager: EntityManager, emit: Emit, entry: AuditEntry) => Promise<T>,
) => Promise<T>;

/** The audit entry of a tenant or operator actor's request (tenant = the actor's, null for operators). */
export function auditEntry(
  actor: Actor,
  context: RequestContext,
  action: string,
  targetType: string,
  targetId: string | null = null,
): AuditEntry {
  return {
    tenantId: actor.tenantId ?? null,
    actorType: actor.subjectType,
    actorId: actor.subjectId,
    action,
    targetType,
    targetId,
    context,
    detail: {},
  };
}

/**
 * Writes the audit log. A change and its row commit in the SAME transaction (the UnitOfWork's);
 * a refused change (any AuthError: permission denied, not found, last owner, wrong code ...) is
 * recorded as `failure` in a transaction of its own, since the change's transaction rolled back.
 */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly auditEvents: AuditEventRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  /** Inserts the row inside the caller's transaction. */
  async record(manager: EntityManager, entry: AuditEntry, result: AuditResult): Promise<void> {
    await this.auditEvents.insert(manager, this.row(entry, result));
  }

  /** Inserts the row in a transaction of its own (for refusals whose change rolled back or never began). */
  async recordAlone(entry: AuditEntry, result: AuditResult): Promise<void> {
    await this.unitOfWork.run((manager) => this.record(manager, entry, result));
  }

  /**
   * Runs a mutation: `work` checks what it must and calls `commit` for its transaction, which also
   * inserts the success row. If `work` throws an AuthError before the commit succeeded, a failure
   * row (detail.error = the code) is written and the error rethrown.
   */
  async mutation<T>(entry: AuditEntry, work: (commit: AuditedCommit) => Promise<T>): Promise<T> {
    let committed = false;
    const commit: AuditedCommit = async (fn) => {
      const value = await this.unitOfWork.run(async (manager, emit) => {
        const result = await fn(manager, emit, entry);
        await this.record(manager, entry, entry.result ?? 'success');
        return result;
      });
      committed = true;
      return value;
    };
    try {
      return await work(commit);
    } catch (err) {
      if (!committed && err instanceof AuthError) {
        await this.recordAlone({ ...entry, detail: { ...entry.detail, error: err.code } }, 'failure').catch(
          () => undefined, // never hide the refusal behind a failure to log it
        );
      }
      throw err;
    }
  }

  private row(entry: AuditEntry, result: AuditResult): AuditEventEntity {
    const now = this.clock.now();
    return {
      id: this.crypto.uuidV7(now),
      tenantId: entry.tenantId,
      actorType: entry.actorType,
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      ip: entry.context.ip ?? null,
      userAgent: entry.context.userAgent ?? null,
      requestId: entry.context.requestId ?? null,
      result,
      detail: entry.detail,
      occurredAt: now,
    };
  }
}

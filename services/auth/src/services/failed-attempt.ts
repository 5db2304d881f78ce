import type { EventEnvelope } from '@brainmesh/events';
import type { EntityManager } from 'typeorm';
import { lockedUntil } from '../domain/lockout';
import type { UserEntity } from '../entities/user.entity';
import { LoginFailedEvent } from '../events/auth-events';
import type { UserRepository } from '../repositories/user.repository';
import type { AuditEntry, AuditTrail } from './audit-trail';

/**
 * A wrong password or MFA code: counts towards the account's lockout (exponential delay after
 * five), emits auth.login.failed and writes the failed audit row, all in the caller's transaction.
 */
export async function recordFailedAttempt(
  deps: { users: UserRepository; audit: AuditTrail },
  manager: EntityManager,
  emit: (envelope: EventEnvelope<unknown>) => void,
  attempt: {
    user: UserEntity;
    entry: AuditEntry;
    eventTenant: string;
    reason: 'bad_password' | 'bad_mfa_code';
    now: Date;
  },
): Promise<void> {
  const { user, entry, eventTenant, reason, now } = attempt;
  const failures = await deps.users.addFailedLogin(manager, user.tenantId, user.id);
  const until = lockedUntil(failures, now);
  if (until) await deps.users.setLockedUntil(manager, user.tenantId, user.id, until);
  const locked_until = until?.toISOString() ?? null;
  emit(
    LoginFailedEvent.create(eventTenant, { user_id: user.id, failed_logins: failures, locked_until, reason }),
  );
  await deps.audit.record(
    manager,
    { ...entry, detail: { error: reason, failed_logins: failures, locked_until } },
    'failure',
  );
}

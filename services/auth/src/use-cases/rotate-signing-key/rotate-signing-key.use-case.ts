import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { actor, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission } from '../../domain/guard';
import { PLATFORM_TENANT } from '../../domain/platform';
import { SigningKeyRotatedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { SigningKeyRepository } from '../../repositories/signing-key.repository';
import { AccessTokenIssuer } from '../../services/access-token-issuer';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const RotateSigningKeyCommand = z.object({ actor, context: requestContext });
export type RotateSigningKeyCommand = CommandInput<typeof RotateSigningKeyCommand>;

/** Retires the current signing key (still published for SIGNING_KEY_RETENTION_S) and makes a new one current. */
@Injectable()
export class RotateSigningKeyUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly keys: SigningKeyRepository,
    private readonly issuer: AccessTokenIssuer,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: RotateSigningKeyCommand): Promise<{ kid: string }> {
    const command = RotateSigningKeyCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'signing_key.rotate', 'signing_key');
    return this.audit.mutation(entry, async (commit) => {
      requirePermission(command.actor, 'signing_keys:rotate');
      const now = this.clock.now();
      const key = await this.issuer.newKey(now);
      entry.targetId = key.kid;
      await commit(async (manager, emit) => {
        await this.keys.retireCurrent(manager, now);
        await this.keys.insert(manager, key);
        emit(SigningKeyRotatedEvent.create(PLATFORM_TENANT, { kid: key.kid, by: actorRef(command.actor) }));
      });
      return { kid: key.kid };
    });
  }
}

import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import { actorRef } from '../../domain/actor';
import { actor, type CommandInput } from '../../domain/commands';
import { requirePermission } from '../../domain/guard';
import { PLATFORM_TENANT } from '../../domain/platform';
import { SigningKeyRotatedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { SigningKeyRepository } from '../../repositories/signing-key.repository';
import { AccessTokenIssuer } from '../../services/access-token-issuer';

export const RotateSigningKeyCommand = z.object({ actor });
export type RotateSigningKeyCommand = CommandInput<typeof RotateSigningKeyCommand>;

/** Retires the current signing key (still published for SIGNING_KEY_RETENTION_S) and makes a new one current. */
@Injectable()
export class RotateSigningKeyUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly keys: SigningKeyRepository,
    private readonly issuer: AccessTokenIssuer,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: RotateSigningKeyCommand): Promise<{ kid: string }> {
    const command = RotateSigningKeyCommand.parse(input);
    requirePermission(command.actor, 'signing_keys:rotate');
    const now = this.clock.now();
    const key = await this.issuer.newKey(now);
    await this.unitOfWork.run(async (manager, emit) => {
      await this.keys.retireCurrent(manager, now);
      await this.keys.insert(manager, key);
      emit(SigningKeyRotatedEvent.create(PLATFORM_TENANT, { kid: key.kid, by: actorRef(command.actor) }));
    });
    return { kid: key.kid };
  }
}

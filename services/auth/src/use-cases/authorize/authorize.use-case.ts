import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, optionalString, type CommandInput } from '../../domain/commands';
import { authorize, isPermission, type AuthorizationDecision } from '../../domain/permissions';

export const AuthorizeCommand = z.object({
  actor,
  permission: z.string().min(1).max(64),
  resourceTenantId: optionalString(z.string().max(64)),
});
export type AuthorizeCommand = CommandInput<typeof AuthorizeCommand>;

/** (actor, permission, resource tenant) -> allowed / reason, by the permission matrix. */
@Injectable()
export class AuthorizeUseCase {
  execute(input: AuthorizeCommand): AuthorizationDecision {
    const command = AuthorizeCommand.parse(input);
    if (!isPermission(command.permission))
      return { allowed: false, reason: `unknown permission ${command.permission}` };
    return authorize(command.actor, command.permission, command.resourceTenantId);
  }
}

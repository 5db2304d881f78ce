import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity } from './audit-event.entity';
import { MfaChallengeEntity } from './mfa-challenge.entity';
import { MfaRecoveryCodeEntity } from './mfa-recovery-code.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { TenantEntity } from './tenant.entity';
import { UserMfaEntity } from './user-mfa.entity';
import { UserEntity } from './user.entity';

export const authEntities = [
  TenantEntity,
  UserEntity,
  SigningKeyEntity,
  RefreshTokenEntity,
  ApiKeyEntity,
  UserMfaEntity,
  MfaRecoveryCodeEntity,
  MfaChallengeEntity,
  AuditEventEntity,
];
export {
  ApiKeyEntity,
  AuditEventEntity,
  MfaChallengeEntity,
  MfaRecoveryCodeEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  TenantEntity,
  UserEntity,
  UserMfaEntity,
};

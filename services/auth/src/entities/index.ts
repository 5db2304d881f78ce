import { ApiKeyEntity } from './api-key.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { TenantEntity } from './tenant.entity';
import { UserEntity } from './user.entity';

export const authEntities = [TenantEntity, UserEntity, SigningKeyEntity, RefreshTokenEntity, ApiKeyEntity];
export { ApiKeyEntity, RefreshTokenEntity, SigningKeyEntity, TenantEntity, UserEntity };

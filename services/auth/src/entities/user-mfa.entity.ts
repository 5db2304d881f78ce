import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The TOTP factor of a user: pending while `enabledAt` is null, active after ConfirmMfa.
 * The secret is stored base32 in clear in its own column, like the signing keys' private keys
 * today; envelope encryption with a key-encryption key is the same known gap (docs/security.md).
 */
@Entity({ name: 'user_mfa' })
export class UserMfaEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** Null for platform operators. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'totp_secret', type: 'text' })
  totpSecret!: string;

  @Column({ name: 'enabled_at', type: 'timestamptz', nullable: true })
  enabledAt!: Date | null;

  /** The last TOTP step accepted (replay protection); null before the first use. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

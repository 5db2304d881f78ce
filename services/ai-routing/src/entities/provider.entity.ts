import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ProviderType } from '../domain/upstream';

/** An LLM provider account. `tenantId` null = platform-wide. The credential is sealed (AES-256-GCM). */
@Entity({ name: 'providers' })
export class ProviderEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  type!: ProviderType;

  @Column({ name: 'base_url', type: 'text' })
  baseUrl!: string;

  @Column({ name: 'api_version', type: 'text', nullable: true })
  apiVersion!: string | null;

  /** SecretBox envelope of `{ apiKey, headers }` bound to the provider id; null when there is none. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true })
  secretSealed!: string | null;

  @Column({ name: 'has_api_key', type: 'boolean' })
  hasApiKey!: boolean;

  @Column({ name: 'header_names', type: 'text', array: true })
  headerNames!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

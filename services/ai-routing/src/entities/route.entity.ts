import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RouteKind, RouteStrategy } from '../domain/route';

/** A deployment as stored (snake_case JSON inside `routes.deployments`). */
export interface StoredDeployment {
  provider_id: string;
  model: string;
  priority: number;
  weight: number;
  timeout_ms: number;
  max_retries: number;
  input_price_per_mtok?: number | null;
  output_price_per_mtok?: number | null;
  context_window: number;
}

/** A model name callers use, mapped to deployments. `tenantId` null = platform-wide. */
@Entity({ name: 'routes' })
export class RouteEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text' })
  model!: string;

  @Column({ type: 'text' })
  kind!: RouteKind;

  @Column({ type: 'text' })
  strategy!: RouteStrategy;

  @Column({ type: 'jsonb' })
  deployments!: StoredDeployment[];

  @Column({ name: 'cache_ttl_s', type: 'integer' })
  cacheTtlS!: number;

  @Column({ name: 'rpm_per_key', type: 'integer' })
  rpmPerKey!: number;

  @Column({ name: 'tpm_per_key', type: 'integer' })
  tpmPerKey!: number;

  @Column({ type: 'integer' })
  rpm!: number;

  @Column({ type: 'integer' })
  tpm!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

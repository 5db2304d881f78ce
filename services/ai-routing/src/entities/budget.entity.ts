import { Column, Entity, PrimaryColumn } from 'typeorm';

export type BudgetScope = 'tenant' | 'api_key';
export type BudgetPeriod = 'day' | 'month';

/** A USD limit on a tenant's or an API key's spend per UTC day or month (money in micro-USD). */
@Entity({ name: 'budgets' })
export class BudgetEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'text' })
  scope!: BudgetScope;

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId!: string | null;

  @Column({ type: 'text' })
  period!: BudgetPeriod;

  /** bigint arrives as a string from pg; the repository converts. */
  @Column({ name: 'limit_micros', type: 'bigint' })
  limitMicros!: string;

  @Column({ type: 'boolean' })
  hard!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

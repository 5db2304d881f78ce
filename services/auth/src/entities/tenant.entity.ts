import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TenantStatus = 'active' | 'suspended';

@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  slug!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: TenantStatus;

  @Column({ type: 'text' })
  plan!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

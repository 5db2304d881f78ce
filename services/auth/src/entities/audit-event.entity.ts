import { Column, Entity, PrimaryColumn } from 'typeorm';

export const AUDIT_ACTOR_TYPES = ['user', 'api_key', 'operator', 'system', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
export type AuditResult = 'success' | 'failure';
/** A value in an audit row's detail (flat JSON, never secrets). */
export type AuditDetailValue = string | number | boolean | null | string[];

/** One row of the append-only audit log (a trigger refuses UPDATE, DELETE and TRUNCATE). */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  /** UUIDv7: sorts by time; the keyset of the pagination. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Null for platform-level events (operators, signing keys). */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: AuditActorType;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType!: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'text' })
  result!: AuditResult;

  /** Never secrets: no passwords, codes, keys, tokens or hashes. */
  @Column({ type: 'jsonb' })
  detail!: Record<string, AuditDetailValue>;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

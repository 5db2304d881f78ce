import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A diagnostics probe event as received by analytics: proves the event pipeline end to end. */
@Entity({ name: 'pipeline_probes' })
export class PipelineProbeEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'source_service', type: 'text' })
  sourceService!: string;

  @Column({ type: 'text' })
  note!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** Milliseconds from the state change (outbox write) to consumption. */
  @Column({ name: 'lag_ms', type: 'integer' })
  lagMs!: number;
}

import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { EventEnvelope } from '../envelope';

/**
 * An event waiting in (or already relayed from) the transactional outbox. Written in the same
 * transaction as the state change it describes; `seq` is the publication order.
 */
@Entity({ name: 'outbox_events' })
@Index('outbox_events_unpublished_idx', ['seq'], { where: 'published_at IS NULL' })
export class OutboxEventEntity {
  /** bigserial; a string because it may exceed 2^53. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  /** The event id (envelope id). */
  @Column({ type: 'uuid', unique: true })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'jsonb' })
  envelope!: EventEnvelope;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** Failed publish attempts. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}

/** The dedupe mark of an event handled by a consumer group (see `handleOnce`). */
@Entity({ name: 'processed_events' })
export class ProcessedEventEntity {
  @PrimaryColumn({ name: 'consumer_group', type: 'text' })
  consumerGroup!: string;

  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}

/** Both entities, for a DataSource's `entities`. */
export const EVENT_ENTITIES = [OutboxEventEntity, ProcessedEventEntity];

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and dedupe tables. Every service that publishes or consumes events adds this class
 * to its migrations list. Idempotent (IF NOT EXISTS), so it is safe on a database that has them.
 */
export class CreateEventTables1732300000000 implements MigrationInterface {
  name = 'CreateEventTables1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS outbox_events (
        seq          bigserial   PRIMARY KEY,
        id           uuid        NOT NULL,
        topic        text        NOT NULL,
        key          text        NOT NULL,
        type         text        NOT NULL,
        tenant_id    text        NOT NULL,
        envelope     jsonb       NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL,
        attempts     integer     NOT NULL DEFAULT 0,
        last_error   text        NULL,
        CONSTRAINT outbox_events_id_key UNIQUE (id)
      )`);
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS outbox_events_unpublished_idx ON outbox_events (seq) WHERE published_at IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS outbox_events_published_at_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL',
    );
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS processed_events (
        consumer_group text        NOT NULL,
        event_id       uuid        NOT NULL,
        processed_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT processed_events_pkey PRIMARY KEY (consumer_group, event_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS processed_events_processed_at_idx ON processed_events (processed_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS processed_events');
    await queryRunner.query('DROP TABLE IF EXISTS outbox_events');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePipelineProbes1732300000100 implements MigrationInterface {
  name = 'CreatePipelineProbes1732300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pipeline_probes (
        event_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        source_service text NOT NULL,
        note text NOT NULL DEFAULT '',
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        lag_ms integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX pipeline_probes_tenant_received_idx ON pipeline_probes (tenant_id, received_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pipeline_probes`);
  }
}

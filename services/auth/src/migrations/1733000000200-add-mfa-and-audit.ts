import type { MigrationInterface, QueryRunner } from 'typeorm';

/** MFA (TOTP factor, recovery codes, login challenges) and the append-only audit log. */
export class AddMfaAndAudit1733000000200 implements MigrationInterface {
  name = 'AddMfaAndAudit1733000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_mfa (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        totp_secret text NOT NULL,
        enabled_at timestamptz,
        last_used_step bigint,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL,
        CONSTRAINT mfa_recovery_codes_user_hash_uq UNIQUE (user_id, code_hash)
      )`);
    await q.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL CONSTRAINT mfa_challenges_hash_uq UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (tenant_id, user_id)`);
    // No foreign keys: the log outlives the users, keys and tenants it mentions.
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        tenant_id uuid,
        actor_type text NOT NULL
          CHECK (actor_type IN ('user', 'api_key', 'operator', 'system', 'anonymous')),
        actor_id text,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        ip text,
        user_agent text,
        request_id text,
        result text NOT NULL CHECK (result IN ('success', 'failure')),
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_events_tenant_id_idx ON audit_events (tenant_id, id DESC)`);
    await q.query(
      `CREATE INDEX audit_events_platform_id_idx ON audit_events (id DESC) WHERE tenant_id IS NULL`,
    );
    // Append-only, enforced by the database as well as by the code (which has no such paths).
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'raise_exception';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE mfa_challenges`);
    await q.query(`DROP TABLE mfa_recovery_codes`);
    await q.query(`DROP TABLE user_mfa`);
  }
}

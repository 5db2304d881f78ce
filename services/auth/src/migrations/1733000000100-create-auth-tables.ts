import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuthTables1733000000100 implements MigrationInterface {
  name = 'CreateAuthTables1733000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL CONSTRAINT tenants_slug_uq UNIQUE
          CHECK (slug ~ '^[a-z0-9](-?[a-z0-9])*$' AND char_length(slug) BETWEEN 3 AND 40),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        plan text NOT NULL DEFAULT 'free',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer', 'operator')),
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_operator_without_tenant CHECK ((role = 'operator') = (tenant_id IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX users_tenant_email_uq ON users (tenant_id, email) WHERE tenant_id IS NOT NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX users_operator_email_uq ON users (email) WHERE tenant_id IS NULL`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        algorithm text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key_pem text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    // At most one current key.
    await q.query(
      `CREATE UNIQUE INDEX signing_keys_one_current_uq ON signing_keys ((true)) WHERE retired_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL CONSTRAINT refresh_tokens_hash_uq UNIQUE,
        family_id uuid NOT NULL,
        parent_id uuid,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id)`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL CONSTRAINT api_keys_hash_uq UNIQUE,
        scopes text[] NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE tenants`);
  }
}

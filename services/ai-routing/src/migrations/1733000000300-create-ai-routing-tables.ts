import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Providers, routes, budgets, the price table and the usage ledger. `tenant_id` NULL marks
 * platform-wide providers and routes (managed by operators); every other row is tenant-owned.
 * The built-in offline `local` provider and its `local/chat`, `local/embed` and `default` routes
 * are seeded platform-wide so a fresh platform answers with no key and no network.
 */
export class CreateAiRoutingTables1733000000300 implements MigrationInterface {
  name = 'CreateAiRoutingTables1733000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE providers (
        id uuid PRIMARY KEY,
        tenant_id uuid,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        type text NOT NULL CHECK (type IN ('openai', 'azure-openai', 'anthropic', 'local')),
        base_url text NOT NULL,
        api_version text,
        secret_sealed text,
        has_api_key boolean NOT NULL DEFAULT false,
        header_names text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX providers_owner_name_uq ON providers (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), name)`,
    );
    await q.query(`
      CREATE TABLE routes (
        id uuid PRIMARY KEY,
        tenant_id uuid,
        model text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('chat', 'embeddings')),
        strategy text NOT NULL CHECK (strategy IN ('priority', 'weighted', 'least-latency', 'lowest-cost')),
        deployments jsonb NOT NULL,
        cache_ttl_s integer NOT NULL DEFAULT 0 CHECK (cache_ttl_s >= 0),
        rpm_per_key integer NOT NULL DEFAULT 0 CHECK (rpm_per_key >= 0),
        tpm_per_key integer NOT NULL DEFAULT 0 CHECK (tpm_per_key >= 0),
        rpm integer NOT NULL DEFAULT 0 CHECK (rpm >= 0),
        tpm integer NOT NULL DEFAULT 0 CHECK (tpm >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX routes_owner_model_uq ON routes (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), model)`,
    );
    await q.query(`
      CREATE TABLE budgets (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        scope text NOT NULL CHECK (scope IN ('tenant', 'api_key')),
        api_key_id uuid,
        period text NOT NULL CHECK (period IN ('day', 'month')),
        limit_micros bigint NOT NULL CHECK (limit_micros > 0),
        hard boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT budgets_scope_key CHECK ((scope = 'api_key') = (api_key_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX budgets_tenant_idx ON budgets (tenant_id)`);
    await q.query(`
      CREATE TABLE prices (
        model text PRIMARY KEY,
        input_per_mtok double precision NOT NULL CHECK (input_per_mtok >= 0),
        output_per_mtok double precision NOT NULL CHECK (output_per_mtok >= 0),
        context_window integer NOT NULL DEFAULT 0 CHECK (context_window >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE usage_records (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        request_id text NOT NULL,
        kind text NOT NULL,
        api_key_id uuid,
        user_id uuid,
        route text NOT NULL,
        route_id uuid,
        deployment text,
        provider_id uuid,
        upstream_model text,
        prompt_tokens integer NOT NULL,
        completion_tokens integer NOT NULL,
        tokens_estimated boolean NOT NULL,
        cost_micros bigint NOT NULL,
        latency_ms double precision NOT NULL,
        ttft_ms double precision,
        stream boolean NOT NULL,
        status text NOT NULL,
        error_class text,
        cache_hit boolean NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX usage_records_tenant_time_idx ON usage_records (tenant_id, created_at)`);
    await q.query(
      `CREATE INDEX usage_records_key_time_idx ON usage_records (api_key_id, created_at) WHERE api_key_id IS NOT NULL`,
    );
    // Prices in USD per million tokens (public list prices at the time of writing; edit with PUT /v1/prices).
    await q.query(`
      INSERT INTO prices (model, input_per_mtok, output_per_mtok, context_window) VALUES
        ('gpt-4o', 2.5, 10, 128000),
        ('gpt-4o-mini', 0.15, 0.6, 128000),
        ('gpt-4.1', 2, 8, 1047576),
        ('gpt-4.1-mini', 0.4, 1.6, 1047576),
        ('gpt-4.1-nano', 0.1, 0.4, 1047576),
        ('o3-mini', 1.1, 4.4, 200000),
        ('text-embedding-3-small', 0.02, 0, 8191),
        ('text-embedding-3-large', 0.13, 0, 8191),
        ('claude-3-5-haiku-latest', 0.8, 4, 200000),
        ('claude-3-5-sonnet-latest', 3, 15, 200000),
        ('claude-sonnet-4-0', 3, 15, 200000),
        ('claude-opus-4-0', 15, 75, 200000),
        ('local-chat', 0, 0, 8192),
        ('local-embed', 0, 0, 8192)`);
    await q.query(
      `INSERT INTO providers (id, tenant_id, name, type, base_url) VALUES ($1, NULL, 'local', 'local', '')`,
      [LOCAL_PROVIDER_ID],
    );
    const deployment = (model: string) =>
      JSON.stringify([
        {
          provider_id: LOCAL_PROVIDER_ID,
          model,
          priority: 0,
          weight: 1,
          timeout_ms: 0,
          max_retries: 0,
          context_window: 8192,
        },
      ]);
    await q.query(
      `INSERT INTO routes (id, tenant_id, model, kind, strategy, deployments) VALUES
        ($1, NULL, 'local/chat', 'chat', 'priority', $4::jsonb),
        ($2, NULL, 'local/embed', 'embeddings', 'priority', $5::jsonb),
        ($3, NULL, 'default', 'chat', 'priority', $4::jsonb)`,
      [
        LOCAL_CHAT_ROUTE_ID,
        LOCAL_EMBED_ROUTE_ID,
        DEFAULT_ROUTE_ID,
        deployment('local-chat'),
        deployment('local-embed'),
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE usage_records, prices, budgets, routes, providers');
  }
}

/** Fixed ids of the seeded platform-wide local provider and routes. */
export const LOCAL_PROVIDER_ID = '00000000-0000-4000-8000-000000000001';
export const LOCAL_CHAT_ROUTE_ID = '00000000-0000-4000-8000-000000000011';
export const LOCAL_EMBED_ROUTE_ID = '00000000-0000-4000-8000-000000000012';
export const DEFAULT_ROUTE_ID = '00000000-0000-4000-8000-000000000013';

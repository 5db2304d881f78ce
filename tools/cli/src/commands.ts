import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { aiRoutingService } from '@brainmesh/ai-routing';
import { analyticsService } from '@brainmesh/analytics';
import { authService } from '@brainmesh/auth';
import { loadConfig } from '@brainmesh/config';
import { firstRun, type FirstRunCredentials } from '@brainmesh/embedded';
import { knowledgeService } from '@brainmesh/knowledge';
import { orchestratorService } from '@brainmesh/orchestrator';
import { ServiceHost, type BaseServiceConfig, type ServiceDefinition } from '@brainmesh/runtime';
import { ApiClient, CliError } from './api-client';

type Out = (line: string) => void;
type Flags = Record<string, string | undefined>;

const SERVICES: Record<string, ServiceDefinition<BaseServiceConfig>> = {
  auth: authService,
  'ai-routing': aiRoutingService,
  knowledge: knowledgeService,
  orchestrator: orchestratorService,
  analytics: analyticsService,
};

const envName = (service: string) => `${service.toUpperCase().replace('-', '_')}_DATABASE_URL`;

/** `brainmesh migrate [service…]`: applies each service's migrations to <SERVICE>_DATABASE_URL. */
export async function migrate(services: string[], out: Out, env = process.env): Promise<void> {
  const names = services.length > 0 ? services : Object.keys(SERVICES).filter((s) => env[envName(s)]);
  if (names.length === 0) {
    throw new CliError(
      `set ${Object.keys(SERVICES).map(envName).join(', ')} (one or more), or name the services`,
    );
  }
  for (const name of names) {
    const definition = SERVICES[name];
    if (!definition)
      throw new CliError(`unknown service "${name}" (one of ${Object.keys(SERVICES).join(', ')})`);
    const url = env[envName(name)];
    if (!url) throw new CliError(`${envName(name)} is not set`);
    const config = loadConfig(definition.configSchema as never, { DATABASE_URL: url, LOG_LEVEL: 'warn' });
    const applied = await new ServiceHost(definition, config as BaseServiceConfig).migrate();
    out(`${name}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}

/** `brainmesh bootstrap`: the first run against a deployment (operator, tenant default, owner, key). */
export async function bootstrap(flags: Flags, out: Out): Promise<void> {
  const auth = required(flags, 'auth-grpc', 'AUTH_GRPC_URL');
  const gateway = required(flags, 'url', 'BRAINMESH_URL');
  const file = resolve(flags.out ?? 'credentials.json');
  const result = await firstRun(auth, gateway, file);
  out(
    result.created
      ? `created the first operator, tenant and API key: ${file} (mode 0600)`
      : 'already bootstrapped: nothing changed',
  );
}

/** `brainmesh tenant create --slug --name --owner-email --owner-password` as a platform operator. */
export async function createTenant(flags: Flags, out: Out): Promise<void> {
  const creds = credentialsFile(flags);
  const body = {
    slug: required(flags, 'slug'),
    name: flags.name ?? required(flags, 'slug'),
    owner_email: required(flags, 'owner-email'),
    owner_password: required(flags, 'owner-password'),
  };
  const api = new ApiClient(required(flags, 'url', 'BRAINMESH_URL', creds?.gateway_url));
  await api.login(
    required(flags, 'email', 'BRAINMESH_OPERATOR_EMAIL', creds?.operator_email),
    required(flags, 'password', 'BRAINMESH_OPERATOR_PASSWORD', creds?.operator_password),
  );
  out(JSON.stringify(await api.request<{ id: string; slug: string }>('POST', '/v1/admin/tenants', body)));
}

/** `brainmesh apikey create --name --scopes chat,embeddings` as a tenant user (owner by default). */
export async function createApiKey(flags: Flags, out: Out): Promise<void> {
  const creds = credentialsFile(flags);
  const body = {
    name: required(flags, 'name'),
    scopes: (flags.scopes ?? '*').split(',').map((s) => s.trim()),
    ...(flags['expires-at'] ? { expires_at: flags['expires-at'] } : {}),
  };
  const api = new ApiClient(required(flags, 'url', 'BRAINMESH_URL', creds?.gateway_url));
  await api.login(
    required(flags, 'email', 'BRAINMESH_EMAIL', creds?.owner_email),
    required(flags, 'password', 'BRAINMESH_PASSWORD', creds?.owner_password),
    required(flags, 'tenant', 'BRAINMESH_TENANT', creds?.tenant_slug),
  );
  out(JSON.stringify(await api.request<{ key: string }>('POST', '/v1/api-keys', body)));
}

function credentialsFile(flags: Flags): FirstRunCredentials | undefined {
  const file = resolve(flags.credentials ?? '.brainmesh/credentials.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FirstRunCredentials) : undefined;
}

function required(flags: Flags, flag: string, envVar?: string, fallback?: string): string {
  const value = flags[flag] ?? (envVar ? process.env[envVar] : undefined) ?? fallback;
  if (!value) throw new CliError(`--${flag} is required${envVar ? ` (or set ${envVar})` : ''}`);
  return value;
}

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CliError } from './api-client';
import { bootstrap, createApiKey, createTenant, migrate } from './commands';

const USAGE = `usage: brainmesh <command>
  migrate [service…]             apply migrations to <SERVICE>_DATABASE_URL (auth, ai-routing, knowledge, orchestrator, analytics)
  bootstrap --auth-grpc host:port --url <gateway url> [--out credentials.json]
  tenant create --slug s --name n --owner-email e --owner-password p [--url --email --password]
  apikey create --name n [--scopes chat,embeddings] [--expires-at t] [--url --tenant --email --password]
Credentials default to .brainmesh/credentials.json (--credentials FILE), or BRAINMESH_* variables.`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      [
        'auth-grpc',
        'url',
        'out',
        'slug',
        'name',
        'owner-email',
        'owner-password',
        'email',
        'password',
        'tenant',
        'scopes',
        'expires-at',
        'credentials',
      ].map((o) => [o, { type: 'string' as const }]),
    ),
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const flags = values as Record<string, string | undefined>;
  const [command, sub, ...rest] = positionals;
  switch (`${command ?? ''} ${command === 'tenant' || command === 'apikey' ? (sub ?? '') : ''}`.trim()) {
    case 'migrate':
      return migrate(
        [sub, ...rest].filter((s): s is string => Boolean(s)),
        out,
      );
    case 'bootstrap':
      return bootstrap(flags, out);
    case 'tenant create':
      return createTenant(flags, out);
    case 'apikey create':
      return createApiKey(flags, out);
    default:
      throw new CliError(USAGE);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof CliError || err instanceof TypeError ? err.message : String(err)}\n`,
    );
    process.exit(err instanceof CliError || err instanceof TypeError ? 2 : 1);
  },
);

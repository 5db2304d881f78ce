import * as vm from 'node:vm';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';

export interface PgliteModules {
  PGlite: typeof PGlite;
  vector: typeof vector;
  createPgConfig: typeof createPgConfig;
}

/**
 * PGlite loads its WebAssembly runtime with dynamic `import()`, which Jest's module sandbox
 * rejects unless Node runs with `--experimental-vm-modules`. Under Jest, load PGlite through
 * Node's own module loader (main context) instead; everywhere else use the normal imports.
 */
export function pgliteModules(): PgliteModules {
  if (process.env.JEST_WORKER_ID === undefined) return { PGlite, vector, createPgConfig };
  const nodeModule = vm.runInThisContext(
    'process.getBuiltinModule("node:module")',
  ) as typeof import('node:module');
  const nativeRequire = nodeModule.createRequire(__filename);
  return {
    PGlite: (nativeRequire('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite,
    vector: (nativeRequire('@electric-sql/pglite-pgvector') as typeof import('@electric-sql/pglite-pgvector'))
      .vector,
    createPgConfig: (
      nativeRequire(
        '@electric-sql/pglite/node-postgres',
      ) as typeof import('@electric-sql/pglite/node-postgres')
    ).createPgConfig,
  };
}

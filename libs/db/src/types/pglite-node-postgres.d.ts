// The package publishes this subpath only through "exports", which the workspace's
// `moduleResolution: node` cannot see; point the types at the ESM declaration file (the same
// one `@electric-sql/pglite` resolves to, so the PGlite class types are identical).
declare module '@electric-sql/pglite/node-postgres' {
  export * from '@electric-sql/pglite/dist/node-postgres/index';
}

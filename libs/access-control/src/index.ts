// @brainmesh/access-control: who may do what, in one place for every service (docs/security.md).
export * from './permissions';
export * from './actor';

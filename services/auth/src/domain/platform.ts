/** Tenant id of events about platform-level subjects (operators, signing keys) that have no tenant. */
export const PLATFORM_TENANT = 'platform';
export const ISSUER = 'brainmesh';
export const SLUG_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;

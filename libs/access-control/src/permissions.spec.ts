import type { Actor } from './actor';
import {
  authorize,
  canGrantScopes,
  canManageRole,
  PERMISSIONS,
  permissionsOf,
  ROLE_PERMISSIONS,
} from './permissions';

const T = '11111111-1111-4111-8111-111111111111';
const user = (role: Actor['role']): Actor => ({
  subjectType: 'user',
  subjectId: T,
  tenantId: T,
  role,
  scopes: [],
});
const key = (scopes: Actor['scopes']): Actor => ({
  subjectType: 'api_key',
  subjectId: T,
  tenantId: T,
  role: undefined,
  scopes,
});
const operator: Actor = {
  subjectType: 'operator',
  subjectId: T,
  tenantId: undefined,
  role: 'operator',
  scopes: [],
};

describe('permission matrix', () => {
  it('matches the table in docs/security.md', () => {
    const table = Object.fromEntries(
      Object.entries(ROLE_PERMISSIONS).map(([r, ps]) => [
        r,
        PERMISSIONS.filter((p) => ps.includes(p)).join(' '),
      ]),
    );
    expect(table).toEqual({
      owner:
        'users:read users:write api_keys:read api_keys:write audit:read chat embeddings knowledge:read knowledge:write workflows:run ai_config:read ai_config:write',
      admin:
        'users:read users:write api_keys:read api_keys:write audit:read chat embeddings knowledge:read knowledge:write workflows:run ai_config:read ai_config:write',
      developer:
        'users:read api_keys:read api_keys:write chat embeddings knowledge:read knowledge:write workflows:run ai_config:read',
      viewer: 'users:read api_keys:read knowledge:read ai_config:read',
      operator: 'audit:read tenants:manage signing_keys:rotate ai_config:read ai_config:platform',
    });
  });

  it('only operators manage tenants, and operators never act inside a tenant', () => {
    expect(authorize(operator, 'tenants:manage').allowed).toBe(true);
    expect(authorize(operator, 'users:read', T).allowed).toBe(false);
    expect(authorize(user('owner'), 'tenants:manage').allowed).toBe(false);
    expect(authorize(key(['*']), 'tenants:manage').allowed).toBe(false);
  });

  it('denies any resource of another tenant', () => {
    expect(authorize(user('owner'), 'users:read', T)).toEqual({ allowed: true, reason: '' });
    expect(authorize(user('owner'), 'users:read', '22222222-2222-4222-8222-222222222222')).toEqual({
      allowed: false,
      reason: 'resource belongs to another tenant',
    });
  });

  it('maps API key scopes to permissions', () => {
    expect([...permissionsOf(key(['chat']))]).toEqual(['chat']);
    expect(permissionsOf(key(['admin'])).has('users:write')).toBe(true);
    expect(permissionsOf(key(['admin'])).has('chat')).toBe(false);
    expect(permissionsOf(key(['*'])).has('workflows:run')).toBe(true);
    // A forged actor that claims operator role as a user holds nothing.
    expect(permissionsOf({ ...user('owner'), role: 'operator' }).size).toBe(0);
  });

  it('never grants scopes beyond the creator, and only owners manage owners', () => {
    expect(canGrantScopes(user('developer'), ['chat', 'knowledge:write'])).toBe(true);
    expect(canGrantScopes(user('developer'), ['admin'])).toBe(false);
    expect(canGrantScopes(user('admin'), ['*'])).toBe(true);
    expect(canGrantScopes(key(['chat']), ['embeddings'])).toBe(false);
    expect(canManageRole(user('owner'), 'owner')).toBe(true);
    expect(canManageRole(user('admin'), 'owner')).toBe(false);
    expect(canManageRole(user('admin'), 'developer')).toBe(true);
    expect(canManageRole(user('owner'), 'operator')).toBe(false);
  });
});

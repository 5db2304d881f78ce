import { createHash } from 'node:crypto';
import { cacheKey, cacheKeyTenant, canonicalJson } from './cache-key';

const chat = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ],
  temperature: 0,
};
const key = (
  body: object,
  overrides: { tenantId?: string; routeId?: string; kind?: 'chat' | 'embeddings' } = {},
) => cacheKey({ tenantId: 't-1', routeId: 'r-1', kind: 'chat', body, ...overrides });

describe('canonicalJson', () => {
  it('sorts object keys recursively, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: null })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":null}',
    );
    expect(canonicalJson(['x', undefined, 1.5, true])).toBe('["x",null,1.5,true]');
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
  });
});

describe('cacheKey', () => {
  it('is the tenant prefix and the sha256 of the canonical request', () => {
    const expected = createHash('sha256')
      .update(canonicalJson({ kind: 'chat', routeId: 'r-1', tenantId: 't-1', body: chat }))
      .digest('hex');
    expect(key(chat)).toBe(`t-1:${expected}`);
    expect(key(chat)).toMatch(/^t-1:[0-9a-f]{64}$/);
  });

  it('does not depend on key order nor on fields that do not change the answer', () => {
    const reordered = { temperature: 0, messages: chat.messages, model: 'gpt-4o' };
    const noisy = {
      ...chat,
      stream: true,
      stream_options: { include_usage: true },
      user: 'end-user-42',
      safety_identifier: 'abc',
      metadata: { trace: '1' },
      store: true,
      service_tier: 'flex',
      prompt_cache_key: 'pk',
    };
    expect(key(reordered)).toBe(key(chat));
    expect(key(noisy)).toBe(key(chat));
  });

  it('changes with anything that can change the answer, and with tenant, route or kind', () => {
    const base = key(chat);
    const variants = [
      key({ ...chat, temperature: 0.7 }),
      key({ ...chat, seed: 1 }),
      key({ ...chat, max_tokens: 10 }),
      key({ ...chat, messages: [...chat.messages].reverse() }),
      key({ ...chat, metadata_extra: 1 }), // only the listed top-level fields are ignored
      key(chat, { tenantId: 't-2' }),
      key(chat, { routeId: 'r-2' }),
      key(chat, { kind: 'embeddings' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('encodes the tenant so it can be split back even when it contains ":"', () => {
    const k = key(chat, { tenantId: 'org:a/b' });
    expect(k.startsWith('org%3Aa%2Fb:')).toBe(true);
    expect(cacheKeyTenant(k)).toBe('org:a/b');
    expect(cacheKeyTenant(key(chat))).toBe('t-1');
  });
});

import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { AuthErrorCode } from './auth-error';
import { formatRecoveryCode, isRecoveryCode, normalizeRecoveryCode } from './recovery-codes';
import { UuidV7Generator, uuidV7, uuidV7Time } from './uuid-v7';

describe('audit cursor', () => {
  it('round-trips an event id through an opaque base64url string', () => {
    const id = '01932c07-a1b2-7c3d-8e4f-0123456789ab';
    const cursor = encodeAuditCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(id);
    expect(decodeAuditCursor(cursor)).toBe(id);
  });

  it('refuses anything else with INVALID_ARGUMENT', () => {
    for (const bad of [
      '',
      'not a cursor!',
      Buffer.from('v1:nope').toString('base64url'),
      Buffer.from('v2:01932c07-a1b2-7c3d-8e4f-0123456789ab').toString('base64url'),
      'x'.repeat(300),
    ]) {
      expect(() => decodeAuditCursor(bad)).toThrow(
        expect.objectContaining({ code: AuthErrorCode.InvalidArgument }),
      );
    }
  });
});

describe('UUIDv7', () => {
  it('puts the millisecond time first, version 7 and variant 10', () => {
    const id = uuidV7(0x0193_2c07_a1b2, 0xabc, new Uint8Array(8).fill(0xff));
    expect(id).toBe('01932c07-a1b2-7abc-bfff-ffffffffffff');
    expect(uuidV7Time(id)).toBe(0x0193_2c07_a1b2);
  });

  it('is strictly increasing within one process, also within one millisecond', () => {
    const gen = new UuidV7Generator((n) => new Uint8Array(n).fill(0xff));
    const ids = [gen.next(1000), gen.next(1000), gen.next(1000), gen.next(999), gen.next(1001)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // 4096+ ids in one millisecond borrow the next one and stay ordered.
    const many = Array.from({ length: 5000 }, () => gen.next(2000));
    expect([...many].sort()).toEqual(many);
  });
});

describe('recovery codes', () => {
  it('are xxxx-xxxx-xxxx-xxxx base32 and match however they are typed', () => {
    const code = formatRecoveryCode(Uint8Array.from({ length: 10 }, (_, i) => i * 25));
    expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(normalizeRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(code.replace(/-/g, ''));
    expect(isRecoveryCode(code)).toBe(true);
    expect(isRecoveryCode('123456')).toBe(false);
    expect(() => formatRecoveryCode(new Uint8Array(4))).toThrow();
  });
});

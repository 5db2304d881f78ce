import { base32Decode, base32Encode, hotp, otpauthUri, totp, totpStep, verifyTotp } from './totp';

/** RFC 6238 appendix B seeds: ASCII "1234567890" repeated to the hash's size. */
const seed = (length: number) => Buffer.from('1234567890'.repeat(7).slice(0, length), 'ascii');
const at = (seconds: number) => new Date(seconds * 1000);

describe('base32 (RFC 4648)', () => {
  it('encodes the RFC 4648 test vectors (without padding) and decodes them back', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(Buffer.from(base32Decode(encoded)).toString()).toBe(plain);
    }
    expect(Buffer.from(base32Decode('mzxw 6ytb oi======')).toString()).toBe('foobar');
    expect(() => base32Decode('MZ1')).toThrow(/invalid base32/);
  });

  it('round-trips random secrets', () => {
    for (let n = 0; n < 50; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });
});

describe('HOTP (RFC 4226 appendix D)', () => {
  it('matches the test values', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(expected.map((_, i) => hotp(seed(20), i))).toEqual(expected);
  });
});

describe('TOTP (RFC 6238 appendix B)', () => {
  const vectors: [number, string, string, string][] = [
    // time, SHA-1, SHA-256, SHA-512 (8 digits)
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it.each(vectors)('T=%i', (time, sha1, sha256, sha512) => {
    expect(totp(seed(20), at(time), 8, 'sha1')).toBe(sha1);
    expect(totp(seed(32), at(time), 8, 'sha256')).toBe(sha256);
    expect(totp(seed(64), at(time), 8, 'sha512')).toBe(sha512);
    // The 6-digit code is the same number modulo 10^6.
    expect(totp(seed(20), at(time))).toBe(sha1.slice(2));
  });

  it('accepts the previous, current and next 30 s step only, and never a step used before', () => {
    const now = at(1111111111);
    const step = totpStep(now);
    const code = (s: number) => hotp(seed(20), s);
    expect(verifyTotp(seed(20), code(step), now)).toBe(step);
    expect(verifyTotp(seed(20), code(step - 1), now)).toBe(step - 1);
    expect(verifyTotp(seed(20), code(step + 1), now)).toBe(step + 1);
    expect(verifyTotp(seed(20), code(step - 2), now)).toBeNull();
    expect(verifyTotp(seed(20), code(step + 2), now)).toBeNull();
    // Replay protection: the same or an older step is refused once used.
    expect(verifyTotp(seed(20), code(step), now, step)).toBeNull();
    expect(verifyTotp(seed(20), code(step - 1), now, step - 1)).toBeNull();
    expect(verifyTotp(seed(20), code(step + 1), now, step)).toBe(step + 1);
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 14050471'.slice(0, 6)]) {
      expect(verifyTotp(seed(20), bad, now)).toBeNull();
    }
  });

  it('builds the otpauth URI', () => {
    expect(otpauthUri('brainmesh', 'a+b@x.test', 'ABC')).toBe(
      'otpauth://totp/brainmesh:a%2Bb%40x.test?secret=ABC&issuer=brainmesh',
    );
  });
});

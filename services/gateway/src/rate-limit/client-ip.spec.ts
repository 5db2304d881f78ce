import { clientIp } from './client-ip';

const req = (remoteAddress: string | undefined, xff?: string | string[]) => ({
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  raw: { socket: { remoteAddress } } as never,
});

describe('clientIp', () => {
  it('uses the socket address and ignores X-Forwarded-For unless the proxy is trusted', () => {
    expect(clientIp(req('10.0.0.7', '1.2.3.4'), false)).toBe('10.0.0.7');
    expect(clientIp(req('::ffff:127.0.0.1'), false)).toBe('127.0.0.1');
  });

  it('with a trusted proxy takes the last X-Forwarded-For entry (the one the proxy appended)', () => {
    expect(clientIp(req('10.0.0.7', 'forged, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientIp(req('10.0.0.7', ['198.51.100.1', '203.0.113.9 ']), true)).toBe('203.0.113.9');
    expect(clientIp(req('10.0.0.7', 'not-an-ip'), true)).toBe('10.0.0.7');
    expect(clientIp(req('10.0.0.7'), true)).toBe('10.0.0.7');
  });

  it('groups IPv6 clients by /64', () => {
    expect(clientIp(req('2001:db8:1:2:aaaa::1'), false)).toBe('2001:db8:1:2::/64');
    expect(clientIp(req('2001:db8:1:2:bbbb:cccc:dddd:eeee'), false)).toBe('2001:db8:1:2::/64');
    expect(clientIp(req('2001:db8::5'), false)).toBe('2001:db8:0:0::/64');
    expect(clientIp(req('::1'), false)).toBe('0:0:0:0::/64');
    expect(clientIp(req('fe80::1%eth0'), false)).toBe('fe80:0:0:0::/64');
    expect(clientIp(req(undefined), false)).toBe('unknown');
  });
});

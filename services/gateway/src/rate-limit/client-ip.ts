import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The client address a per-IP limit is keyed by: the socket's peer, or with `trustProxy` the last
 * `X-Forwarded-For` entry (the one the proxy in front of the gateway appended; entries to its
 * left come from the client and could be forged). IPv4-mapped IPv6 becomes IPv4; IPv6 is grouped
 * by its /64, the block one subscriber usually holds.
 */
export function clientIp(request: Pick<FastifyRequest, 'headers' | 'raw'>, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    const address = forwarded && normalise(forwarded);
    if (address) return address;
  }
  return normalise(request.raw.socket?.remoteAddress ?? '') ?? 'unknown';
}

function normalise(raw: string): string | undefined {
  const address = raw.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  switch (isIP(address)) {
    case 4:
      return address;
    case 6:
      return ipv6Prefix64(address);
    default:
      return undefined;
  }
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

import { cachePolicy, parseCacheControl } from './cache-policy';

describe('parseCacheControl', () => {
  it('reads no-store, no-cache and max-age case-insensitively, with quotes and several lines', () => {
    expect(parseCacheControl('No-Cache, MAX-AGE="120"')).toEqual({
      noStore: false,
      noCache: true,
      maxAgeS: 120,
    });
    expect(parseCacheControl(['no-store', 'max-age=30'])).toEqual({
      noStore: true,
      noCache: false,
      maxAgeS: 30,
    });
  });

  it('keeps the smallest max-age and ignores malformed ones and unknown directives', () => {
    expect(parseCacheControl('max-age=60, max-age=10')).toMatchObject({ maxAgeS: 10 });
    expect(parseCacheControl('max-age=-1, max-age=abc, max-age, private, only-if-cached')).toEqual({
      noStore: false,
      noCache: false,
    });
    expect(parseCacheControl('')).toEqual({ noStore: false, noCache: false });
    expect(parseCacheControl(undefined)).toEqual({ noStore: false, noCache: false });
  });
});

describe('cachePolicy', () => {
  const cc = (header: string) => parseCacheControl(header);

  it('is off unless the route has a TTL or the request asks with max-age > 0', () => {
    expect(cachePolicy(0, cc(''))).toEqual({ read: false, write: false, ttlS: 0 });
    expect(cachePolicy(0, cc('max-age=0'))).toEqual({ read: false, write: false, ttlS: 0 });
    expect(cachePolicy(0, cc('max-age=90'))).toEqual({ read: true, write: true, ttlS: 90, maxAgeS: 90 });
    expect(cachePolicy(300, cc(''))).toEqual({ read: true, write: true, ttlS: 300 });
  });

  it('no-store turns everything off, even on a route with a TTL', () => {
    expect(cachePolicy(300, cc('no-store, max-age=60'))).toEqual({ read: false, write: false, ttlS: 0 });
  });

  it('no-cache and max-age=0 skip the read but still write with the route TTL', () => {
    expect(cachePolicy(300, cc('no-cache'))).toEqual({ read: false, write: true, ttlS: 300 });
    expect(cachePolicy(300, cc('max-age=0'))).toEqual({ read: false, write: true, ttlS: 300 });
  });

  it('caps the TTL by the request max-age, which also bounds the age of what is read', () => {
    expect(cachePolicy(300, cc('max-age=60'))).toEqual({ read: true, write: true, ttlS: 60, maxAgeS: 60 });
    expect(cachePolicy(300, cc('max-age=600'))).toEqual({ read: true, write: true, ttlS: 300, maxAgeS: 600 });
  });

  it('bounds a TTL asked by the request with maxTtlS', () => {
    expect(cachePolicy(0, cc('max-age=999999'))).toMatchObject({ ttlS: 86_400 });
    expect(cachePolicy(0, cc('max-age=999'), { maxTtlS: 100 })).toMatchObject({ ttlS: 100, maxAgeS: 999 });
  });
});

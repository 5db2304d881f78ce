import { ConfigError, loadConfig } from '@brainmesh/config';
import { gatewayConfigSchema } from '../config';
import { DEFAULT_RATE_LIMITS } from './rate-limit.config';

describe('RATE_LIMITS and TRUST_PROXY', () => {
  it('defaults when unset', () => {
    const config = loadConfig(gatewayConfigSchema, {});
    expect(config.RATE_LIMITS).toEqual(DEFAULT_RATE_LIMITS);
    expect(config.TRUST_PROXY).toBe(false);
  });

  it('parses plans and fills the parts left out', () => {
    const config = loadConfig(gatewayConfigSchema, {
      RATE_LIMITS:
        '{"plans":{"free":{"rps":5,"burst":20},"pro":{"rps":50,"burst":200}},"ip":{"rps":0.5,"burst":10}}',
      TRUST_PROXY: 'true',
    });
    expect(config.RATE_LIMITS).toEqual({
      plans: { free: { rps: 5, burst: 20 }, pro: { rps: 50, burst: 200 } },
      default: DEFAULT_RATE_LIMITS.default,
      ip: { rps: 0.5, burst: 10 },
    });
    expect(config.TRUST_PROXY).toBe(true);
  });

  it.each([
    ['not json', 'nope'],
    ['a zero rate', '{"default":{"rps":0,"burst":10}}'],
    ['a fractional burst', '{"ip":{"rps":1,"burst":1.5}}'],
    ['an unknown field', '{"ip":{"rps":1,"burst":1,"window":3}}'],
    ['an unknown section', '{"apikey":{"rps":1,"burst":1}}'],
  ])('refuses %s at boot, naming the variable', (_case, value) => {
    expect(() => loadConfig(gatewayConfigSchema, { RATE_LIMITS: value })).toThrow(ConfigError);
    expect(() => loadConfig(gatewayConfigSchema, { RATE_LIMITS: value })).toThrow(/RATE_LIMITS/);
  });
});

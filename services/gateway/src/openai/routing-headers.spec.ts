import { formatUsd, routingHeaders } from './routing-headers';

describe('routingHeaders', () => {
  const start = {
    route: 'chat',
    deployment: 'openai-prod/gpt-4o-mini',
    cache: 'miss',
    upstreamModel: 'gpt-4o-mini',
  };

  it('sends route, deployment and cache from the start, and the cost once known', () => {
    expect(routingHeaders(start)).toEqual({
      'x-brainmesh-route': 'chat',
      'x-brainmesh-deployment': 'openai-prod/gpt-4o-mini',
      'x-brainmesh-cache': 'miss',
    });
    expect(
      routingHeaders(start, { promptTokens: 1, completionTokens: 1, estimated: false, costUsd: 0.0000015 }),
    ).toMatchObject({ 'x-brainmesh-cost-usd': '0.0000015' });
  });

  it('leaves out what is unknown and encodes what a header cannot carry', () => {
    expect(routingHeaders({ route: 'café', deployment: '', cache: 'weird', upstreamModel: '' })).toEqual({
      'x-brainmesh-route': 'caf%C3%A9',
    });
    expect(routingHeaders(undefined)).toEqual({});
  });
});

describe('formatUsd', () => {
  it('writes plain decimals, never exponent notation', () => {
    expect(formatUsd(1e-7)).toBe('0.0000001');
    expect(formatUsd(12.5)).toBe('12.5');
    expect(formatUsd(3)).toBe('3');
    expect(formatUsd(0)).toBe('0');
    expect(formatUsd(Number.NaN)).toBe('0');
  });
});

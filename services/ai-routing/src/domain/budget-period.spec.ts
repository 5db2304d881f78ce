import { microsToUsd, periodBounds, usdToMicros } from './budget-period';

describe('periodBounds', () => {
  it('gives the UTC day around an instant', () => {
    const { start, end } = periodBounds('day', new Date('2026-03-31T23:59:59.999Z'));
    expect(start.toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(end.toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('gives the UTC month, across a year end', () => {
    const { start, end } = periodBounds('month', new Date('2026-12-15T10:00:00Z'));
    expect(start.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('converts USD and micro-USD without float drift', () => {
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
    expect(microsToUsd(usdToMicros(12.345678))).toBe(12.345678);
  });
});

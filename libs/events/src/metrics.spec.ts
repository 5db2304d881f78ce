import { Counter, Registry } from 'prom-client';
import { consumerMetrics, outboxMetrics } from './metrics';

describe('metrics helpers', () => {
  it('return the registered metric instead of colliding', () => {
    const registry = new Registry();
    const a = consumerMetrics(registry);
    const b = consumerMetrics(registry);
    expect(a.consumed).toBe(b.consumed);
    expect(outboxMetrics(registry).pending).toBe(outboxMetrics(registry).pending);
    a.consumed.inc({ service: 's1', topic: 't', group: 'g' });
    b.consumed.inc({ service: 's2', topic: 't', group: 'g' });
    expect(registry.getSingleMetric('events_consumed_total')).toBeInstanceOf(Counter);
  });
});

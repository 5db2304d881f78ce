import type { ResolvedRoute, RouteDeployment, RouteStrategy } from '../domain/route';
import { DeploymentHealth } from './deployment-health';
import { estimatedCost, orderDeployments } from './strategies';

const deployment = (index: number, fields: Partial<RouteDeployment> = {}): RouteDeployment => ({
  key: `r:${index}`,
  providerId: `p${index}`,
  providerName: `provider ${index}`,
  model: 'gpt-4o-mini',
  priority: 0,
  weight: 1,
  timeoutMs: 30_000,
  maxRetries: 1,
  inputPricePerMtok: 0,
  outputPricePerMtok: 0,
  contextWindow: 0,
  ...fields,
});

const route = (
  strategy: RouteStrategy,
  deployments: RouteDeployment[],
): Pick<ResolvedRoute, 'strategy' | 'deployments'> => ({ strategy, deployments });

/** Returns the given values in turn (then keeps returning the last one). */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
};

/** Deterministic PRNG (mulberry32) for distribution checks. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const keys = (ordered: RouteDeployment[]) => ordered.map((d) => d.key);

describe('orderDeployments', () => {
  const health = new DeploymentHealth();

  describe('priority', () => {
    it('orders by ascending priority and shuffles ties by weight', () => {
      const deployments = [
        deployment(0, { priority: 2 }),
        deployment(1, { priority: 1, weight: 1 }),
        deployment(2, { priority: 1, weight: 3 }),
        deployment(3, { priority: 0 }),
      ];
      // Tie group [r:1 (1), r:2 (3)], total 4: 0.1 * 4 = 0.4 < 1 picks r:1; 0.5 * 4 = 2 >= 1 picks r:2.
      expect(
        keys(orderDeployments(route('priority', deployments), health, { random: sequence(0, 0.1) })),
      ).toEqual(['r:3', 'r:1', 'r:2', 'r:0']);
      expect(
        keys(orderDeployments(route('priority', deployments), health, { random: sequence(0, 0.5) })),
      ).toEqual(['r:3', 'r:2', 'r:1', 'r:0']);
    });

    it('does not mutate the route', () => {
      const deployments = [deployment(0, { priority: 1 }), deployment(1, { priority: 0 })];
      orderDeployments(route('priority', deployments), health, { random: () => 0 });
      expect(keys(deployments)).toEqual(['r:0', 'r:1']);
    });
  });

  describe('weighted', () => {
    it('draws without replacement and puts weight 0 last even when the draw is lowest', () => {
      const deployments = [
        deployment(0, { weight: 0 }),
        deployment(1, { weight: 1 }),
        deployment(2, { weight: 1 }),
      ];
      for (const r of [0, 0.3, 0.6, 0.999]) {
        const ordered = keys(orderDeployments(route('weighted', deployments), health, { random: () => r }));
        expect(ordered).toHaveLength(3);
        expect(new Set(ordered)).toEqual(new Set(['r:0', 'r:1', 'r:2']));
        expect(ordered[2]).toBe('r:0');
      }
    });

    it('picks the first deployment in proportion to its weight', () => {
      const deployments = [
        deployment(0, { weight: 1 }),
        deployment(1, { weight: 3 }),
        deployment(2, { weight: 6 }),
      ];
      const random = seeded(42);
      const firsts = new Map<string, number>();
      const draws = 20_000;
      for (let i = 0; i < draws; i++) {
        const [first] = orderDeployments(route('weighted', deployments), health, { random });
        firsts.set(first.key, (firsts.get(first.key) ?? 0) + 1);
      }
      expect((firsts.get('r:0') ?? 0) / draws).toBeCloseTo(0.1, 1);
      expect((firsts.get('r:1') ?? 0) / draws).toBeCloseTo(0.3, 1);
      expect((firsts.get('r:2') ?? 0) / draws).toBeCloseTo(0.6, 1);
    });
  });

  describe('least-latency', () => {
    it('explores deployments without a sample first, then prefers the fastest', () => {
      const tracked = new DeploymentHealth();
      const deployments = [deployment(0), deployment(1, { priority: 1 }), deployment(2)];
      tracked.recordSuccess('r:0', 300);
      tracked.recordSuccess('r:2', 100);
      expect(
        keys(orderDeployments(route('least-latency', deployments), tracked, { random: () => 0 })),
      ).toEqual(['r:1', 'r:2', 'r:0']);

      tracked.recordSuccess('r:1', 50);
      expect(
        keys(orderDeployments(route('least-latency', deployments), tracked, { random: () => 0 })),
      ).toEqual(['r:1', 'r:2', 'r:0']);

      // r:1 slows down: its EWMA (alpha 0.3) goes from 50 to 335, past r:0 (300).
      tracked.recordSuccess('r:1', 1_000);
      expect(
        keys(orderDeployments(route('least-latency', deployments), tracked, { random: () => 0 })),
      ).toEqual(['r:2', 'r:0', 'r:1']);
    });

    it('breaks latency ties by priority', () => {
      const tracked = new DeploymentHealth();
      const deployments = [deployment(0, { priority: 5 }), deployment(1, { priority: 1 })];
      tracked.recordSuccess('r:0', 100);
      tracked.recordSuccess('r:1', 100);
      expect(
        keys(orderDeployments(route('least-latency', deployments), tracked, { random: () => 0 })),
      ).toEqual(['r:1', 'r:0']);
    });
  });

  describe('lowest-cost', () => {
    const deployments = [
      // prompt-cheap, completion-expensive
      deployment(0, { inputPricePerMtok: 1, outputPricePerMtok: 20, priority: 1 }),
      // balanced
      deployment(1, { inputPricePerMtok: 5, outputPricePerMtok: 5, priority: 1 }),
      // same price sum as r:1 but preferred priority
      deployment(2, { inputPricePerMtok: 5, outputPricePerMtok: 5, priority: 0 }),
    ];

    it('without an estimate sorts by input + output price, ties by priority', () => {
      expect(keys(orderDeployments(route('lowest-cost', deployments), health, { random: () => 0 }))).toEqual([
        'r:2',
        'r:1',
        'r:0',
      ]);
    });

    it('with an estimate sorts by the estimated cost of the request', () => {
      // Prompt-heavy: r:0 = 10000*1 + 100*20 = 12000 < r:1/r:2 = 10000*5 + 100*5 = 50500 (per Mtok).
      const promptHeavy = { promptTokens: 10_000, completionTokens: 100 };
      expect(
        keys(
          orderDeployments(route('lowest-cost', deployments), health, {
            random: () => 0,
            estimate: promptHeavy,
          }),
        ),
      ).toEqual(['r:0', 'r:2', 'r:1']);
      expect(estimatedCost(deployments[0], promptHeavy)).toBeCloseTo(0.012, 10);

      // Completion-heavy: r:0 = 100 + 2000*20 = 40100 > r:1/r:2 = 500 + 10000 = 10500.
      const completionHeavy = { promptTokens: 100, completionTokens: 2_000 };
      expect(
        keys(
          orderDeployments(route('lowest-cost', deployments), health, {
            random: () => 0,
            estimate: completionHeavy,
          }),
        ),
      ).toEqual(['r:2', 'r:1', 'r:0']);
    });
  });
});

// Test tiers (see docs/testing.md):
//   unit   *.spec.ts beside the code, no I/O outside the process
//   medium test/medium/*.medium-spec.ts against real Postgres, Kafka and Redis
//   e2e    test/e2e/*.e2e-spec.ts over the wire against running services
const preset = require('./jest.preset.js');

const tier = process.env.BRAINMESH_TEST_TIER || 'unit';
const match = {
  unit: ['<rootDir>/{libs,services,tools}/**/src/**/*.spec.ts'],
  medium: ['<rootDir>/{libs,services,tools}/**/test/medium/**/*.medium-spec.ts'],
  e2e: ['<rootDir>/{libs,services,tools}/**/test/e2e/**/*.e2e-spec.ts'],
}[tier];
if (!match) throw new Error(`BRAINMESH_TEST_TIER must be unit, medium or e2e (got "${tier}")`);

module.exports = {
  ...preset,
  rootDir: __dirname,
  testMatch: match,
  testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '/.brainmesh/'],
  testTimeout: tier === 'unit' ? 10_000 : 120_000,
  maxWorkers: tier === 'unit' ? '50%' : 1,
};

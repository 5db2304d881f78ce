// Test tiers (see docs/testing.md):
//   unit   *.spec.ts beside the code, no I/O outside the process
//   medium test/medium/*.medium-spec.ts against real Postgres, Kafka and Redis
//   e2e    test/e2e/*.e2e-spec.ts over the wire against running services
//   deploy tools/deploy/test/e2e: images, workflows, chart, Terraform, Argo CD on a local kube-apiserver
const preset = require('./jest.preset.js');

const tier = process.env.BRAINMESH_TEST_TIER || 'unit';
const match = {
  unit: ['<rootDir>/{libs,services,tools}/**/src/**/*.spec.ts'],
  medium: ['<rootDir>/{libs,services,tools}/**/test/medium/**/*.medium-spec.ts'],
  e2e: ['<rootDir>/{libs,services,tools}/**/test/e2e/**/*.e2e-spec.ts'],
  deploy: ['<rootDir>/tools/deploy/test/e2e/**/*.e2e-spec.ts'],
}[tier];
if (!match) throw new Error(`BRAINMESH_TEST_TIER must be unit, medium, e2e or deploy (got "${tier}")`);

module.exports = {
  ...preset,
  rootDir: __dirname,
  testMatch: match,
  testPathIgnorePatterns: [
    ...preset.testPathIgnorePatterns,
    '/.brainmesh/',
    ...(tier === 'e2e' ? ['<rootDir>/tools/deploy/'] : []),
  ],
  testTimeout: tier === 'unit' ? 10_000 : tier === 'deploy' ? 600_000 : 120_000,
  maxWorkers: tier === 'unit' ? '50%' : 1,
};

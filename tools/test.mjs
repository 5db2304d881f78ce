// `npm test`: everything a fresh clone needs, then every test tier.
//   1. install and build when needed                   4. real infra up (Postgres, Kafka, Redis)
//   2. format check, lint and typecheck (Nx, cached)    5. medium tests (real infra)
//   3. unit tests (*.spec.ts)                           6. end-to-end tests (over the wire)
//   7. deploy toolchain (helm, kubeconform, etcd, kube-apiserver, kwok, Terraform providers, linters;
//      built once and cached by version under ~/.cache/brainmesh) and the deploy tests (Dockerfile,
//      workflows, chart, Terraform and Argo CD against a local kube-apiserver)
// Infrastructure this run started is stopped at the end (BRAINMESH_KEEP_INFRA=1 keeps it).
// Exits non-zero on any failure; prints "tests: N passed, N failed" last.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureDeps, ROOT, run, say } from './ensure-deps.mjs';

const t0 = Date.now();
const timings = [];
const totals = { passed: 0, failed: 0 };
let failed = false;

async function step(name, fn) {
  const start = Date.now();
  say(`── ${name}`);
  const ok = await fn();
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  timings.push(`${name}: ${seconds} s${ok ? '' : ' (FAILED)'}`);
  if (!ok) failed = true;
  return ok;
}

const nxEnv = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' };
const resultsDir = join(ROOT, '.brainmesh', 'test-results');

function jest(tier, env) {
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${tier}.json`);
  rmSync(out, { force: true });
  const status = run(
    process.execPath,
    [
      join(ROOT, 'node_modules/jest/bin/jest.js'),
      '-c',
      'jest.config.js',
      '--ci',
      '--json',
      `--outputFile=${out}`,
    ],
    { env: { ...process.env, ...env, BRAINMESH_TEST_TIER: tier } },
  );
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    if (report.numTotalTests === 0) {
      say(`no ${tier} tests were found: that is a failure`);
      return false;
    }
  }
  return status === 0;
}

ensureDeps();
build();

await step(
  'format check (prettier)',
  () => run('npx', ['prettier', '--check', '--log-level=warn', '.']) === 0,
);
await step(
  'lint and typecheck',
  () =>
    run('npx', ['nx', 'run-many', '-t', 'lint', 'typecheck', '--output-style=static'], { env: nxEnv }) === 0,
);
await step('unit tests', () => jest('unit', {}));

const { up, down } = await import('./infra/infra.mjs');
let infra;
const infraOk = await step('infrastructure up (Postgres, Kafka, Redis)', async () => {
  try {
    infra = await up({ log: (line) => say(line) });
    return true;
  } catch (err) {
    say(`infrastructure failed to start: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
});
if (infraOk) {
  await step('medium tests (real Postgres, Kafka, Redis)', () => jest('medium', infra.env));
  await step('end-to-end tests', () => jest('e2e', infra.env));
  if (infra.started.length > 0 && !process.env.BRAINMESH_KEEP_INFRA) {
    await step(`infrastructure down (${infra.started.join(', ')})`, async () => {
      await down({ components: infra.started });
      return true;
    });
  }
}

const toolchainOk = await step('deploy toolchain (cached by version; a cold build takes ~10 min)', () =>
  [
    ['tools/deploy/toolchain.mjs', 'ensure'],
    ['tools/deploy/dockerfile-lint.mjs', '--ensure'],
    ['tools/deploy/actionlint.mjs', '--ensure'],
  ].every((args) => run(process.execPath, args) === 0),
);
if (toolchainOk) {
  await step('deploy tests (image, workflows, chart, Terraform, Argo CD on a local kube-apiserver)', () =>
    jest('deploy', {}),
  );
}

say('── timings');
for (const line of timings) say(`   ${line}`);
say(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failed || totals.failed > 0 ? 1 : 0);

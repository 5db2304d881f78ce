// The Helm chart and the Argo CD manifests, offline: helm lint, helm template with default, dev and prod
// values, kubeconform -strict of every rendered manifest against the Kubernetes v1.33 and CRD schemas
// (CloudNativePG, Gateway API, prometheus-operator, Argo CD), and one negative test per guard.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHART_DIR,
  argocdDocs,
  K8sObject,
  Toolchain,
  helmDeps,
  kubeconform,
  log,
  must,
  parseYamlDocs,
  requirePath,
  requireToolchain,
  scratchCopy,
  sh,
  toYaml,
} from './support';

/** API groups whose CRDs a real cluster would have: lets capability-gated templates render. */
const API_VERSIONS = [
  'monitoring.coreos.com/v1',
  'postgresql.cnpg.io/v1',
  'gateway.networking.k8s.io/v1',
  'argoproj.io/v1alpha1',
];

const VARIANTS: Array<[string, string | null]> = [
  ['default', null],
  ['dev', 'values-dev.yaml'],
  ['prod', 'values-prod.yaml'],
];

describe('Helm chart and Argo CD manifests (offline)', () => {
  let tools: Toolchain;
  let scratch: ReturnType<typeof scratchCopy>;
  let work: string;
  const rendered: Record<string, K8sObject[]> = {};

  const valuesArgs = (file: string | null) => (file ? ['-f', join(scratch.chart, file)] : []);

  beforeAll(async () => {
    tools = requireToolchain();
    requirePath(join(CHART_DIR, 'Chart.yaml'), 'the Helm chart');
    scratch = scratchCopy('chart');
    work = mkdtempSync(join(tmpdir(), 'brainmesh-rendered-'));
    await helmDeps(tools, scratch.chart);
  }, 60_000);

  afterAll(() => {
    scratch?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(VARIANTS)(
    'helm lint passes with %s values',
    async (name, file) => {
      const res = await must(`helm lint (${name} values)`, tools.helm, [
        'lint',
        scratch.chart,
        '--strict', // warnings fail too
        '--kube-version',
        tools.versions.kubernetes,
        ...valuesArgs(file),
      ]);
      expect(res.out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(res.out).not.toMatch(/\[ERROR\]/);
    },
    60_000,
  );

  it.each(VARIANTS)(
    'helm template with %s values renders manifests that kubeconform -strict accepts',
    async (name, file) => {
      const res = await must(`helm template (${name} values)`, tools.helm, [
        'template',
        'brainmesh',
        scratch.chart,
        '--namespace',
        'brainmesh',
        '--kube-version',
        tools.versions.kubernetes,
        ...API_VERSIONS.flatMap((v) => ['--api-versions', v]),
        ...valuesArgs(file),
      ]);
      const docs = parseYamlDocs(tools, res.stdout);
      rendered[name] = docs;
      const out = join(work, `${name}.yaml`);
      writeFileSync(out, res.stdout);

      const kinds = [...new Set(docs.map((d) => `${d.kind}`))].sort();
      log(`${name} values: ${docs.length} manifests (${kinds.join(', ')})`);
      expect(docs.length).toBeGreaterThan(0);
      expect(docs.filter((d) => d.kind === 'Deployment').length).toBeGreaterThan(0);

      const report = await kubeconform(tools, `kubeconform -strict (${name} values)`, [out]);
      const bad = report.resources.filter((r) => r.status !== 'statusValid');
      expect(bad).toEqual([]);
      expect(report.summary).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
      // Every rendered document was checked against a schema (none skipped for want of one).
      expect(report.summary.valid).toBe(docs.length);
      expect(report.code).toBe(0);
    },
    60_000,
  );

  it('renders migration hook Jobs, CloudNativePG clusters (dev) and ServiceMonitors/PrometheusRules (prod)', () => {
    for (const name of Object.keys(rendered)) {
      const hooks = rendered[name].filter(
        (d) => d.kind === 'Job' && d.metadata.annotations?.['helm.sh/hook'],
      );
      if (name === 'default' && hooks.length === 0) continue; // default values may leave migrations off
      for (const job of hooks) {
        expect(job.metadata.annotations?.['helm.sh/hook']).toMatch(/pre-install|pre-upgrade/);
        expect(Number.isInteger(Number(job.metadata.annotations?.['helm.sh/hook-weight'] ?? '0'))).toBe(true);
      }
    }
    expect(Object.keys(rendered).sort()).toEqual(['default', 'dev', 'prod']);
    const devHooks = rendered.dev.filter((d) => d.kind === 'Job' && d.metadata.annotations?.['helm.sh/hook']);
    expect(devHooks.length).toBeGreaterThan(0);
    const allKinds = new Set(Object.values(rendered).flatMap((docs) => docs.map((d) => d.kind)));
    expect([...allKinds]).toEqual(expect.arrayContaining(['Deployment', 'Service']));
    // The custom resources were schema-checked above against the CRDs of their operators.
    const kindsOf = (name: string) => new Set(rendered[name].map((d) => `${d.apiVersion} ${d.kind}`));
    expect([...kindsOf('dev')]).toContain('postgresql.cnpg.io/v1 Cluster');
    expect([...kindsOf('dev')]).toContain('gateway.networking.k8s.io/v1 HTTPRoute');
    expect([...kindsOf('prod')]).toEqual(
      expect.arrayContaining([
        'monitoring.coreos.com/v1 ServiceMonitor',
        'monitoring.coreos.com/v1 PrometheusRule',
      ]),
    );
  });

  it('the Argo CD manifests pass kubeconform -strict against the Argo CD CRD schemas', async () => {
    const docs = await argocdDocs(tools);
    const argoKinds = docs.filter((d) => `${d.apiVersion}`.startsWith('argoproj.io/'));
    expect(argoKinds.length).toBeGreaterThan(0);
    const out = join(work, 'argocd.yaml');
    writeFileSync(out, toYaml(tools, docs));
    const report = await kubeconform(tools, 'kubeconform -strict (Argo CD manifests)', [out]);
    expect(report.resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
    expect(report.summary).toMatchObject({ valid: docs.length, invalid: 0, errors: 0, skipped: 0 });
    log(`Argo CD: ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  }, 60_000);

  it('values.schema.json rejects a value of the wrong type (negative test)', async () => {
    const schemaFile = requirePath(join(scratch.chart, 'values.schema.json'), 'values.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    const typed = findTypedLeaf(schema);
    expect(typed).toBeDefined();
    const { path, type } = typed as { path: string[]; type: string };
    const key = path.join('.');
    log(`schema guard: setting ${key} (${type}) to a string`);
    const wrong = await sh(`helm template with ${key}=<string>`, tools.helm, [
      'template',
      'brainmesh',
      scratch.chart,
      '--set-string',
      `${key}=definitely-not-a-${type}`,
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/schema/i);
    expect(wrong.stderr).toContain(path[path.length - 1]);
    // The same render without the wrong value passes: the schema, not something else, refused it.
    const right = await sh('helm template (control)', tools.helm, ['template', 'brainmesh', scratch.chart]);
    expect(right.code).toBe(0);
  }, 60_000);

  it('kubeconform -strict rejects a manifest with an unknown field, built-in and CRD kinds (negative test)', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'guard', namespace: 'brainmesh' },
      spec: {
        selector: { matchLabels: { app: 'guard' } },
        template: {
          metadata: { labels: { app: 'guard' } },
          spec: { containers: [{ name: 'app', image: 'brainmesh/gateway:1.0.0' }] },
        },
      },
    };
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'guard', namespace: 'brainmesh' },
      spec: { selector: { matchLabels: { app: 'guard' } }, endpoints: [{ port: 'metrics' }] },
    };
    const good = join(work, 'guard-good.yaml');
    writeFileSync(good, toYaml(tools, [deployment, monitor]));
    const ok = await kubeconform(tools, 'kubeconform -strict (control: known fields)', [good]);
    expect(ok.summary).toMatchObject({ valid: 2, invalid: 0, errors: 0 });

    const typoDeployment = structuredClone(deployment) as typeof deployment & Record<string, unknown>;
    (typoDeployment.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicyy = 'Always';
    const typoMonitor = structuredClone(monitor);
    (typoMonitor.spec as Record<string, unknown>).endpointz = [{ port: 'metrics' }];
    const bad = join(work, 'guard-bad.yaml');
    writeFileSync(bad, toYaml(tools, [typoDeployment, typoMonitor]));
    const res = await kubeconform(tools, 'kubeconform -strict (unknown fields)', [bad]);
    expect(res.code).not.toBe(0);
    expect(res.summary).toMatchObject({ valid: 0, invalid: 2 });
    expect(res.raw).toContain('imagePullPolicyy');
    expect(res.raw).toContain('endpointz');
  }, 60_000);
});

/** The first leaf (breadth first) typed integer, number or boolean, reachable through plain `properties`. */
function findTypedLeaf(schema: Record<string, any>): { path: string[]; type: string } | undefined {
  const resolve = (node: Record<string, any>): Record<string, any> => {
    const ref = node?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
    return resolve(
      ref
        .slice(2)
        .split('/')
        .reduce((acc: any, k: string) => acc?.[k], schema) ?? {},
    );
  };
  const queue: Array<{ path: string[]; node: Record<string, any> }> = [{ path: [], node: schema }];
  while (queue.length) {
    const { path, node } = queue.shift() as { path: string[]; node: Record<string, any> };
    const n = resolve(node);
    const types = ([] as string[]).concat(n?.type ?? []);
    if (path.length && types.length === 1 && ['integer', 'number', 'boolean'].includes(types[0]))
      return { path, type: types[0] };
    for (const [k, child] of Object.entries(n?.properties ?? {})) {
      if (/^[A-Za-z0-9_-]+$/.test(k)) queue.push({ path: [...path, k], node: child as Record<string, any> });
    }
  }
  return undefined;
}

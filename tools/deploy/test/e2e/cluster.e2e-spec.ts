// The chart, Terraform and Argo CD manifests against a real Kubernetes API server on loopback:
// etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (fake nodes: pods become Ready
// without containers, pods of Jobs Succeeded). Started in beforeAll, stopped by its PIDs at the end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHART_DIR,
  argocdDocs,
  Cluster,
  K8sObject,
  Toolchain,
  WatchEvent,
  clusterDown,
  clusterUp,
  condition,
  helmDeps,
  isAlive,
  kubectlJson,
  log,
  must,
  parseYamlDocs,
  requirePath,
  requireToolchain,
  scratchCopy,
  sh,
  timed,
  toYaml,
  watch,
} from './support';

const NS = 'brainmesh-e2e';
const RELEASE = 'brainmesh';
const KEEP = Boolean(process.env.BRAINMESH_KEEP_CLUSTER);

describe('Deploying onto a local API server (etcd, kube-apiserver, controller-manager, scheduler, kwok)', () => {
  let tools: Toolchain;
  let cluster: Cluster;
  let scratch: ReturnType<typeof scratchCopy>;
  let down = false;

  const kubectl = (label: string, args: string[], input?: string) =>
    must(label, tools.kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { input });
  const helm = (label: string, args: string[]) =>
    must(label, tools.helm, [...args, '--kubeconfig', cluster.kubeconfig]);
  const values = (file: string) => ['-f', join(scratch.chart, file)];

  /** Hook Jobs of a revision, in the order Helm runs them (weight, then name). */
  async function hookJobs(revision: number, event: string): Promise<string[]> {
    const res = await helm(`helm get hooks (revision ${revision})`, [
      'get',
      'hooks',
      RELEASE,
      '-n',
      NS,
      '--revision',
      String(revision),
    ]);
    return parseYamlDocs(tools, res.stdout)
      .filter((d) => d.kind === 'Job' && (d.metadata.annotations?.['helm.sh/hook'] ?? '').includes(event))
      .map((d) => ({
        name: d.metadata.name,
        weight: Number(d.metadata.annotations?.['helm.sh/hook-weight'] ?? 0),
      }))
      .sort((a, b) => a.weight - b.weight || a.name.localeCompare(b.name))
      .map((j) => j.name);
  }

  /** From a watch on Jobs: the order in which hook Jobs were created, each one complete before the next. */
  function assertHookOrder(events: WatchEvent[], expected: string[]) {
    const added = events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    const seen = added.filter((n) => expected.includes(n));
    log(`hook Jobs created in this order: ${seen.join(' -> ') || '(none)'}`);
    expect(seen).toEqual(expected);
    for (let i = 1; i < expected.length; i++) {
      const nextAdded = events.findIndex((e) => e.type === 'ADDED' && e.object.metadata.name === expected[i]);
      const prevDone = events.findIndex(
        (e) => e.object.metadata.name === expected[i - 1] && condition(e.object, 'Complete') === 'True',
      );
      expect(prevDone).toBeGreaterThanOrEqual(0);
      expect(prevDone).toBeLessThan(nextAdded); // Helm waited for the previous hook Job to complete
    }
  }

  async function deployments(): Promise<K8sObject[]> {
    return (await kubectlJson(tools, cluster, ['get', 'deployments', '-n', NS])).items;
  }

  /** A rollout is over: the controller saw the spec, and every replica is updated, ready and available. */
  const settled = (d: K8sObject) => {
    const want = d.spec?.replicas ?? 1;
    const st = d.status ?? {};
    return (
      (st.observedGeneration ?? 0) >= Number(d.metadata.generation ?? 0) &&
      st.replicas === want &&
      st.updatedReplicas === want &&
      st.readyReplicas === want &&
      condition(d, 'Available') === 'True'
    );
  };

  /** Wait until every Deployment has settled (an HPA may still be scaling after --wait), then check them. */
  async function expectAllAvailable(): Promise<K8sObject[]> {
    let items: K8sObject[] = [];
    await until('Deployments settled', 90_000, async () => {
      items = await deployments();
      return items.length > 0 && items.every(settled);
    }).catch(() => undefined); // the expectations below say which one is not
    expect(items.length).toBeGreaterThan(0);
    for (const d of items) {
      const want = d.spec?.replicas ?? 1;
      expect({
        name: d.metadata.name,
        available: condition(d, 'Available'),
        ready: d.status?.readyReplicas,
        updated: d.status?.updatedReplicas,
      }).toEqual({ name: d.metadata.name, available: 'True', ready: want, updated: want });
    }
    const pods = (await kubectlJson(tools, cluster, ['get', 'pods', '-n', NS])).items.filter(
      (p) => p.status?.phase === 'Running',
    );
    for (const p of pods) expect(cluster.nodes).toContain(p.spec?.nodeName);
    log(
      `${items.length} Deployments Available: ${items.map((d) => `${d.metadata.name} ${d.status?.readyReplicas}/${d.spec?.replicas}`).join(', ')}`,
    );
    return items;
  }

  beforeAll(async () => {
    tools = requireToolchain();
    requirePath(join(CHART_DIR, 'Chart.yaml'), 'the Helm chart');
    cluster = await clusterUp();
    log(
      `cluster ${cluster.reused ? 'reused' : 'started'} in ${cluster.seconds.toFixed(1)} s: ${cluster.server}`,
    );
    scratch = scratchCopy('cluster');
    await helmDeps(tools, scratch.chart);
    // The CRDs a production cluster would have (operators themselves are not installed: no containers run).
    await timed('apply CRDs (CloudNativePG, prometheus-operator, Gateway API, Argo CD)', async () => {
      await kubectl('kubectl apply --server-side (CRDs)', [
        'apply',
        '--server-side',
        '--force-conflicts',
        ...Object.values(tools.crds).flatMap((src) => ['-f', src.crds]),
      ]);
      // (`kubectl wait --for=condition=Established crd --all` fails on a CRD without status yet: poll.)
      await until('CRDs Established', 60_000, async () => {
        const crds = (await kubectlJson(tools, cluster, ['get', 'crd'])).items;
        return crds.length > 0 && crds.every((c) => condition(c, 'Established') === 'True');
      });
    });
  }, 180_000);

  afterAll(async () => {
    if (cluster && !down && !KEEP) await clusterDown();
    scratch?.cleanup();
  }, 60_000);

  it('serves Kubernetes v1.33 with Ready fake nodes and a default ServiceAccount', async () => {
    const version = await kubectlJson<{ serverVersion: { gitVersion: string } }>(tools, cluster, ['version']);
    expect(version.serverVersion.gitVersion).toBe(tools.versions.kubernetes);
    const nodes = (await kubectlJson(tools, cluster, ['get', 'nodes'])).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...cluster.nodes].sort());
    for (const n of nodes) expect(condition(n, 'Ready')).toBe('True');
    await kubectl('default ServiceAccount', ['get', 'serviceaccount', 'default', '-n', 'default']);
  }, 30_000);

  it('helm install --wait with dev values: every Deployment Available, migration Jobs in hook-weight order', async () => {
    await kubectl('create namespace', ['create', 'namespace', NS]);
    const jobs = watch(cluster, `/apis/batch/v1/namespaces/${NS}/jobs`);
    const res = await helm('helm install --wait (dev values)', [
      'install',
      RELEASE,
      scratch.chart,
      '-n',
      NS,
      ...values('values-dev.yaml'),
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      '4m',
    ]);
    expect(res.stdout).toContain('STATUS: deployed');
    await new Promise((r) => setTimeout(r, 300));
    const events = jobs.stop();
    await expectAllAvailable();
    const expected = await hookJobs(1, 'pre-install');
    log(`pre-install hook Jobs (by weight): ${expected.join(', ')}`);
    expect(expected.length).toBeGreaterThan(0);
    assertHookOrder(events, expected);
  }, 300_000);

  it('helm upgrade --wait with prod values rolls the release forward (pre-upgrade hooks again)', async () => {
    // Prod reads its database/Redis/provider credentials from existing Secrets: create those it names.
    const prodValues = parseYamlDocs(tools, readFileSync(join(scratch.chart, 'values-prod.yaml'), 'utf8'))[0];
    const secrets = existingSecrets(prodValues);
    expect(secrets.length).toBeGreaterThan(0);
    for (const [name, key] of secrets)
      await kubectl(`create secret ${name}`, [
        'create',
        'secret',
        'generic',
        name,
        '-n',
        NS,
        `--from-literal=${key}=e2e-placeholder`,
      ]);
    const jobs = watch(cluster, `/apis/batch/v1/namespaces/${NS}/jobs`);
    const res = await helm('helm upgrade --wait (prod values)', [
      'upgrade',
      RELEASE,
      scratch.chart,
      '-n',
      NS,
      ...values('values-prod.yaml'),
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      '4m',
    ]);
    expect(res.stdout).toMatch(/has been upgraded|STATUS: deployed/);
    await new Promise((r) => setTimeout(r, 300));
    const events = jobs.stop();
    // Autoscaled Deployments: the HorizontalPodAutoscaler (no metrics here) raises them to minReplicas.
    const hpas = (await kubectlJson(tools, cluster, ['get', 'horizontalpodautoscalers', '-n', NS])).items;
    expect(hpas.length).toBeGreaterThan(0);
    await until('autoscaled Deployments at minReplicas', 90_000, async () => {
      const deps = await deployments();
      return hpas.every((h) => {
        const d = deps.find((x) => x.metadata.name === h.spec?.scaleTargetRef?.name);
        return d !== undefined && (d.spec?.replicas ?? 1) >= (h.spec?.minReplicas ?? 1);
      });
    });
    const live = await expectAllAvailable();
    for (const h of hpas) {
      const d = live.find((x) => x.metadata.name === h.spec?.scaleTargetRef?.name);
      expect(d?.status?.readyReplicas ?? 0).toBeGreaterThanOrEqual(h.spec?.minReplicas ?? 1);
    }
    // The other replica counts are those the prod values render.
    const rendered = await must('helm get manifest (revision 2)', tools.helm, [
      'get',
      'manifest',
      RELEASE,
      '-n',
      NS,
      '--kubeconfig',
      cluster.kubeconfig,
    ]);
    const wanted = parseYamlDocs(tools, rendered.stdout).filter((d) => d.kind === 'Deployment');
    for (const d of wanted) {
      const hpaManaged = d.spec?.replicas === undefined;
      const got = live.find((l) => l.metadata.name === d.metadata.name);
      expect(got).toBeDefined();
      if (!hpaManaged) expect(got?.spec?.replicas).toBe(d.spec?.replicas);
    }
    const expected = await hookJobs(2, 'pre-upgrade');
    if (expected.length) assertHookOrder(events, expected);
    const history = await kubectlJsonHelmHistory();
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  }, 300_000);

  it('helm rollback returns to the dev revision', async () => {
    const devReplicas = await replicasOf(1);
    await helm('helm rollback --wait', ['rollback', RELEASE, '1', '-n', NS, '--wait', '--timeout', '4m']);
    const live = await expectAllAvailable();
    // The release is the dev one again: same Deployments with the same replica counts as revision 1,
    // and the prod revision's autoscalers are gone. (Live replica counts can still show what an
    // autoscaler set in the moment before Helm deleted it: Kubernetes, not Helm, owns that race.)
    expect(await replicasOf(3)).toEqual(devReplicas);
    expect(Object.keys(devReplicas).sort()).toEqual(live.map((d) => d.metadata.name).sort());
    const hpas = await kubectlJson(tools, cluster, ['get', 'hpa', '-n', NS]);
    expect(hpas.items).toEqual([]);
    const history = await kubectlJsonHelmHistory();
    expect(history.at(-1)).toMatchObject({ revision: 3, status: 'deployed', description: 'Rollback to 1' });
  }, 300_000);

  it('helm uninstall removes the release and its workloads', async () => {
    await helm('helm uninstall --wait', ['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '3m']);
    const list = JSON.parse((await helm('helm list', ['list', '-n', NS, '-o', 'json'])).stdout);
    expect(list).toEqual([]);
    expect(await deployments()).toEqual([]);
    await kubectl('delete namespace', ['delete', 'namespace', NS, '--wait=true', '--timeout=60s']);
  }, 300_000);

  it('terraform init/validate/plan/apply environments/dev, a second plan shows no changes, then destroy', async () => {
    const envDir = requirePath(join(scratch.terraform, 'environments/dev'), 'terraform/environments/dev');
    for (const p of tools.tfProviders) requirePath(p, 'a Terraform provider of the mirror');
    const env = {
      ...process.env,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      KUBECONFIG: cluster.kubeconfig,
      KUBE_CONFIG_PATH: cluster.kubeconfig,
    };
    const vars = ['-var', `kubeconfig_path=${cluster.kubeconfig}`, '-var', `chart_path=${scratch.chart}`];
    const tf = (label: string, args: string[]) => must(label, 'terraform', args, { cwd: envDir, env });

    let applied = false;
    try {
      await tf('terraform init (plugin dir = mirror)', [
        'init',
        '-input=false',
        '-no-color',
        `-plugin-dir=${tools.tfMirror}`,
      ]);
      const validate = await tf('terraform validate', ['validate', '-no-color']);
      expect(validate.stdout).toContain('Success! The configuration is valid.');
      const plan = await tf('terraform plan', ['plan', '-input=false', '-no-color', '-out=tfplan', ...vars]);
      expect(plan.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
      applied = true;
      const apply = await tf('terraform apply', [
        'apply',
        '-input=false',
        '-no-color',
        '-auto-approve',
        'tfplan',
      ]);
      expect(apply.stdout).toMatch(/Apply complete! Resources: [1-9]\d* added, 0 changed, 0 destroyed/);
      const outputs = JSON.parse((await tf('terraform output', ['output', '-json'])).stdout);
      log(
        `terraform outputs: ${JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, (v as { value: unknown }).value])))}`,
      );
      const ns = outputs.namespace?.value ?? 'brainmesh-dev';
      const releases = JSON.parse(
        (await helm('helm list (terraform release)', ['list', '-n', ns, '-o', 'json'])).stdout,
      );
      expect(releases.map((r: { status: string }) => r.status)).toEqual(['deployed']);
      const tfDeployments = (await kubectlJson(tools, cluster, ['get', 'deployments', '-n', ns])).items;
      expect(tfDeployments.length).toBeGreaterThan(0);
      for (const d of tfDeployments)
        expect([d.metadata.name, condition(d, 'Available')]).toEqual([d.metadata.name, 'True']);

      const again = await sh(
        'terraform plan -detailed-exitcode (after apply)',
        'terraform',
        ['plan', '-input=false', '-no-color', '-detailed-exitcode', ...vars],
        { cwd: envDir, env },
      );
      expect({ code: again.code, out: again.code === 0 ? '' : again.out }).toEqual({ code: 0, out: '' });
      expect(again.stdout).toContain('No changes.');

      applied = false;
      const destroy = await tf('terraform destroy', [
        'destroy',
        '-input=false',
        '-no-color',
        '-auto-approve',
        ...vars,
      ]);
      expect(destroy.stdout).toMatch(/Destroy complete! Resources: [1-9]\d* destroyed/);
      const after = JSON.parse(
        (await helm('helm list (after destroy)', ['list', '-A', '-o', 'json'])).stdout,
      );
      expect(after).toEqual([]);
    } finally {
      // Leave nothing behind for the next tests when an assertion above failed.
      if (applied)
        await sh(
          'terraform destroy (cleanup)',
          'terraform',
          ['destroy', '-input=false', '-no-color', '-auto-approve', ...vars],
          {
            cwd: envDir,
            env,
          },
        );
    }
  }, 480_000);

  it('the API server accepts the Argo CD manifests (dry-run=server against the CRDs) and refuses an unknown field', async () => {
    const docs = await argocdDocs(tools);
    expect(docs.some((d) => d.kind === 'Application' || d.kind === 'ApplicationSet')).toBe(true);
    for (const ns of new Set(docs.map((d) => d.metadata.namespace).filter(Boolean) as string[]))
      await sh(`create namespace ${ns}`, tools.kubectl, [
        '--kubeconfig',
        cluster.kubeconfig,
        'create',
        'namespace',
        ns,
      ]);
    const file = join(scratch.dir, 'argocd.yaml');
    writeFileSync(file, toYaml(tools, docs));
    const res = await kubectl('kubectl apply --dry-run=server (Argo CD)', [
      'apply',
      '--dry-run=server',
      '-f',
      file,
    ]);
    const accepted = res.stdout.split('\n').filter((l) => l.includes('(server dry run)'));
    expect(accepted.length).toBe(docs.length);
    log(`Argo CD dry-run=server: ${accepted.join('; ')}`);

    const app = structuredClone(
      docs.find((d) => d.kind === 'Application' || d.kind === 'ApplicationSet'),
    ) as K8sObject;
    (app.spec as Record<string, unknown>).unknownField = 'x';
    const bad = join(scratch.dir, 'argocd-bad.yaml');
    writeFileSync(bad, toYaml(tools, [app]));
    const refused = await sh('kubectl apply --dry-run=server (unknown field)', tools.kubectl, [
      '--kubeconfig',
      cluster.kubeconfig,
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-f',
      bad,
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unknown field "spec\.unknownField"/);
  }, 120_000);

  (KEEP ? it.skip : it)(
    'cluster down stops exactly the processes it started, by their PIDs',
    async () => {
      const pids = Object.values(cluster.pids);
      expect(pids.length).toBe(5);
      for (const pid of pids) expect(isAlive(pid)).toBe(true);
      const res = await clusterDown();
      down = true;
      expect(res.code).toBe(0);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
      expect(existsSync(cluster.dir)).toBe(false);
    },
    60_000,
  );

  async function kubectlJsonHelmHistory(): Promise<
    Array<{ revision: number; status: string; description: string }>
  > {
    return JSON.parse((await helm('helm history', ['history', RELEASE, '-n', NS, '-o', 'json'])).stdout);
  }

  async function replicasOf(revision: number): Promise<Record<string, number | undefined>> {
    const res = await helm(`helm get manifest (revision ${revision})`, [
      'get',
      'manifest',
      RELEASE,
      '-n',
      NS,
      '--revision',
      String(revision),
    ]);
    return Object.fromEntries(
      parseYamlDocs(tools, res.stdout)
        .filter((d) => d.kind === 'Deployment')
        .map((d) => [d.metadata.name, d.spec?.replicas as number | undefined]),
    );
  }
});

/** [secret name, key] of every `existingSecret` (+ `existingSecretKey`) in a values tree. */
function existingSecrets(node: unknown, out = new Map<string, string>()): Array<[string, string]> {
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.existingSecret === 'string')
      out.set(o.existingSecret, typeof o.existingSecretKey === 'string' ? o.existingSecretKey : 'value');
    for (const v of Object.values(o)) existingSecrets(v, out);
  }
  return [...out.entries()];
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

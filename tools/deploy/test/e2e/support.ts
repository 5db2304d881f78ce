// Helpers of the deploy suite: the cached toolchain, commands with timings, YAML, the local cluster.
// The suite never builds tools: `node tools/deploy/toolchain.mjs ensure` runs before the e2e tier.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../../..');
const TOOLCHAIN = join(ROOT, 'tools/deploy/toolchain.mjs');
const CLUSTER = join(ROOT, 'tools/deploy/cluster.mjs');

/** Where the deploy artefacts of the repository live (overridable to try the harness on other files). */
export const CHART_DIR = resolve(ROOT, process.env.BRAINMESH_DEPLOY_CHART ?? 'charts/brainmesh');
export const TERRAFORM_DIR = resolve(ROOT, process.env.BRAINMESH_DEPLOY_TERRAFORM ?? 'terraform');
export const ARGOCD_DIR = resolve(ROOT, process.env.BRAINMESH_DEPLOY_ARGOCD ?? 'deploy/argocd');

export interface Toolchain {
  helm: string;
  kubectl: string;
  kubeconform: string;
  venv: string;
  schemaLocations: string[];
  crds: Record<string, { dir: string; crds: string; schemas: string }>;
  tfMirror: string;
  tfProviders: string[];
  versions: Record<string, string>;
}

export interface Cluster {
  kubeconfig: string;
  server: string;
  token: string;
  dir: string;
  nodes: string[];
  pids: Record<string, number>;
  ports: Record<string, number>;
  reused: boolean;
  seconds: number;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  out: string;
  seconds: number;
}

export function log(msg: string): void {
  console.log(`[deploy] ${msg}`);
}

/** The cached toolchain, or an error that says how to build it (fails fast, builds nothing). */
export function requireToolchain(): Toolchain {
  const res = spawnSync(process.execPath, [TOOLCHAIN, 'check', '--json'], { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(
      `the deploy toolchain is not built: ${res.stderr.trim()}\n` +
        'run `node tools/deploy/toolchain.mjs ensure` first (npm test does it before the e2e tier)',
    );
  }
  return JSON.parse(res.stdout) as Toolchain;
}

/** Fail with a clear message when an artefact another change delivers is not in the repository yet. */
export function requirePath(p: string, what: string): string {
  if (!existsSync(p)) throw new Error(`${what} is missing: ${p} does not exist`);
  return p;
}

/** Run a command to completion (async: Jest timeouts still fire); logs `[deploy] <label>: N s`. */
export function sh(
  label: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; quiet?: boolean } = {},
): Promise<Result> {
  const t0 = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (Date.now() - t0) / 1000;
      if (!opts.quiet) log(`${label}: ${seconds.toFixed(1)} s${code ? ` (exit ${code})` : ''}`);
      done({ code: code ?? -1, stdout, stderr, out: `${stdout}\n${stderr}`, seconds });
    });
  });
}

/** `sh`, and throw with the command's output when it fails. */
export async function must(
  label: string,
  cmd: string,
  args: string[],
  opts: Parameters<typeof sh>[3] = {},
): Promise<Result> {
  const res = await sh(label, cmd, args, opts);
  if (res.code !== 0)
    throw new Error(
      `${label}: \`${[cmd, ...args].join(' ')}\` exited ${res.code}\n${res.out.trim().split('\n').slice(-40).join('\n')}`,
    );
  return res;
}

/** Time a block: logs `[deploy] <label>: N s`. */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    log(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [k: string]: unknown;
}

/** Parse a multi-document YAML stream with the PyYAML of the toolchain's venv (no npm YAML dependency). */
export function parseYamlDocs(tools: Toolchain, text: string): K8sObject[] {
  const res = spawnSync(
    join(tools.venv, 'bin/python'),
    [
      '-c',
      'import sys, json, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d], default=str))',
    ],
    { input: text, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (res.status !== 0) throw new Error(`YAML parse failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as K8sObject[];
}

export function toYaml(tools: Toolchain, docs: unknown[]): string {
  const res = spawnSync(
    join(tools.venv, 'bin/python'),
    ['-c', 'import sys, json, yaml; print(yaml.safe_dump_all(json.load(sys.stdin), sort_keys=False))'],
    { input: JSON.stringify(docs), encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`YAML dump failed: ${res.stderr}`);
  return res.stdout;
}

/** kubeconform -strict with the offline schemas; resolves to its JSON report. */
export async function kubeconform(
  tools: Toolchain,
  label: string,
  files: string[],
): Promise<{
  code: number;
  resources: Array<Record<string, string>>;
  summary: Record<string, number>;
  raw: string;
}> {
  const args = ['-strict', '-summary', '-output', 'json', '-verbose'];
  for (const loc of tools.schemaLocations) args.push('-schema-location', loc);
  const res = await sh(label, tools.kubeconform, [...args, ...files]);
  let report: { resources?: Array<Record<string, string>>; summary?: Record<string, number> } = {};
  try {
    report = JSON.parse(res.stdout);
  } catch {
    throw new Error(`kubeconform gave no JSON report (exit ${res.code}):\n${res.out}`);
  }
  return { code: res.code, resources: report.resources ?? [], summary: report.summary ?? {}, raw: res.out };
}

/** A scratch copy of the chart(s) and Terraform (init, lock files and `helm dependency` stay out of the repo). */
export function scratchCopy(prefix: string): {
  dir: string;
  chart: string;
  terraform: string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `brainmesh-${prefix}-`));
  const chartsParent = resolve(CHART_DIR, '..');
  if (existsSync(chartsParent)) cpSync(chartsParent, join(dir, 'charts'), { recursive: true });
  if (existsSync(TERRAFORM_DIR))
    cpSync(TERRAFORM_DIR, join(dir, 'terraform'), {
      recursive: true,
      filter: (src) => !/[/\\]\.terraform([/\\]|$)|\.tfstate/.test(src),
    });
  return {
    dir,
    chart: join(dir, 'charts', CHART_DIR.split(/[/\\]/).pop() as string),
    terraform: join(dir, 'terraform'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `helm dependency build` when a declared dependency is not in charts/ yet (file:// ones resolve offline). */
export async function helmDeps(tools: Toolchain, chart: string): Promise<void> {
  const chartYaml = readFileSync(join(chart, 'Chart.yaml'), 'utf8');
  if (!/^dependencies:/m.test(chartYaml)) return;
  const list = await must('helm dependency list', tools.helm, ['dependency', 'list', chart], { quiet: true });
  const rows = list.stdout
    .split('\n')
    .slice(1)
    .filter((l) => l.trim());
  if (rows.every((l) => /\s(ok|unpacked)\s*$/.test(l))) return;
  await must('helm dependency build', tools.helm, ['dependency', 'build', '--skip-refresh', chart]);
}

// ---- cluster -------------------------------------------------------------------------------------------------

export async function clusterUp(): Promise<Cluster> {
  const res = await sh(
    'cluster up (etcd, kube-apiserver, controller-manager, scheduler, kwok)',
    process.execPath,
    [CLUSTER, 'up', '--fresh', '--json'],
  );
  if (res.code !== 0)
    throw new Error(`cluster up failed:\n${res.stderr.trim().split('\n').slice(-40).join('\n')}`);
  for (const line of res.stderr.trim().split('\n')) if (line.startsWith('[deploy]')) console.log(line);
  return JSON.parse(res.stdout) as Cluster;
}

export async function clusterDown(): Promise<Result> {
  return sh('cluster down', process.execPath, [CLUSTER, 'down']);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export interface WatchEvent {
  type: string;
  object: K8sObject;
  at: number;
}

/**
 * Watch a collection of the API server (e.g. /apis/batch/v1/namespaces/x/jobs) and record every event in
 * arrival order, which is etcd's order. stop() ends the watch and resolves to the events.
 */
export function watch(cluster: Cluster, apiPath: string): { stop(): WatchEvent[]; events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  const url = new URL(cluster.server);
  const ca = Buffer.from(
    /certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfig, 'utf8'))?.[1] ?? '',
    'base64',
  );
  let buf = '';
  const req = https.request(
    {
      host: url.hostname,
      port: url.port,
      path: `${apiPath}?watch=1&allowWatchBookmarks=false`,
      headers: { Authorization: `Bearer ${cluster.token}` },
      ca,
    },
    (res) => {
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line)
            events.push({ ...(JSON.parse(line) as { type: string; object: K8sObject }), at: Date.now() });
        }
      });
      res.on('error', () => undefined);
    },
  );
  req.on('error', () => undefined);
  req.end();
  return {
    events,
    stop: () => {
      req.destroy();
      return events;
    },
  };
}

export async function kubectlJson<T = { items: K8sObject[] }>(
  tools: Toolchain,
  cluster: Cluster,
  args: string[],
): Promise<T> {
  const res = await must(
    `kubectl ${args.join(' ')}`,
    tools.kubectl,
    ['--kubeconfig', cluster.kubeconfig, ...args, '-o', 'json'],
    {
      quiet: true,
    },
  );
  return JSON.parse(res.stdout) as T;
}

export function condition(obj: K8sObject, type: string): string | undefined {
  return (obj.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find(
    (c) => c.type === type,
  )?.status;
}

/** YAML files under dir (recursive, sorted), kustomization files left out. */
export function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) return listYaml(p);
      return /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f) ? [p] : [];
    });
}

/** The Argo CD manifests as `kubectl apply -k` would apply them (kustomize built into kubectl), else every file. */
export async function argocdDocs(tools: Toolchain): Promise<K8sObject[]> {
  requirePath(ARGOCD_DIR, 'the Argo CD manifests');
  let text: string;
  if (existsSync(join(ARGOCD_DIR, 'kustomization.yaml'))) {
    text = (await must('kubectl kustomize deploy/argocd', tools.kubectl, ['kustomize', ARGOCD_DIR])).stdout;
  } else {
    text = listYaml(ARGOCD_DIR)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n---\n');
  }
  return parseYamlDocs(tools, text).filter((d) => d?.kind);
}

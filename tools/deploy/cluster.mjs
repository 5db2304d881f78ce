#!/usr/bin/env node
// A local Kubernetes control plane on loopback, without Docker: etcd + kube-apiserver + kube-controller-manager
// + kube-scheduler + kwok (a fake node on which pods become Running/Ready, and pods of Jobs Succeeded).
//
//   node tools/deploy/cluster.mjs up [--fresh] [--json]  start (or reuse; --fresh restarts) and wait until ready
//   node tools/deploy/cluster.mjs down          stop the processes this tool started (by their PIDs), clean up
//   node tools/deploy/cluster.mjs status        what runs, from the PID files
//   node tools/deploy/cluster.mjs env           `export KUBECONFIG=…` for a shell
//
// Run dir: $BRAINMESH_K8S_RUN_DIR or ~/.cache/brainmesh/k8s/run (kubeconfig, PID files, logs, pki, etcd data).
// Ports are free ones picked at start (never a fixed 6443/2379), saved in <run>/cluster.json.
// Binaries come from `node tools/deploy/toolchain.mjs ensure` (this tool never builds).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { isAlive, ownedPid, readPid, run, sleep, spawnDetached, stopPid, tail } from '../infra/process.mjs';
import { DeployError, makeLog, runAsScript, runDir, seconds, usage, withFileLock } from './lib.mjs';
import { missing, paths } from './toolchain.mjs';

/** Start order; `down` stops in reverse. */
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];
export const NODES = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'];

const files = (dir) => ({
  state: path.join(dir, 'cluster.json'),
  kubeconfig: path.join(dir, 'kubeconfig'),
  tokens: path.join(dir, 'tokens.csv'),
  saKey: path.join(dir, 'sa.key'),
  saPub: path.join(dir, 'sa.pub'),
  pki: path.join(dir, 'pki'),
  etcdData: path.join(dir, 'etcd'),
  kwokHome: path.join(dir, 'kwok-home'),
  pid: (c) => path.join(dir, `${c}.pid`),
  log: (c) => path.join(dir, `${c}.log`),
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function freePorts(n) {
  const out = new Set();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

/** GET an https path of a local component; resolves to { status, body }. */
function get(port, urlPath, { token, ca } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'GET',
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        ca,
        rejectUnauthorized: Boolean(ca),
        timeout: 3000,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what, probe, { timeoutMs, pid, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (pid && !isAlive(pid))
      throw new DeployError(`${what} exited during startup. Last lines of ${logFile}:\n${tail(logFile, 20)}`);
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new DeployError(
    `${what} not ready after ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}${logFile ? `. Last lines of ${logFile}:\n${tail(logFile, 20)}` : ''}`,
  );
}

function readState(dir = runDir()) {
  try {
    return JSON.parse(fs.readFileSync(files(dir).state, 'utf8'));
  } catch {
    return null;
  }
}

/** PIDs of the components we started that are still alive (the command line must mention the run dir). */
function ownedPids(dir = runDir()) {
  const f = files(dir);
  const out = {};
  for (const c of COMPONENTS) {
    const pid = ownedPid(f.pid(c), [dir]);
    if (pid) out[c] = pid;
  }
  return out;
}

async function apiReady(state) {
  const ca = fs.readFileSync(path.join(files(state.dir).pki, 'apiserver.crt'));
  const res = await get(state.ports.apiserver, '/readyz', { token: state.token, ca });
  return res.status === 200;
}

function kubeconfigYaml(server, caPem, token) {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
  - name: brainmesh-local
    cluster:
      server: ${server}
      certificate-authority-data: ${ca}
users:
  - name: admin
    user:
      token: ${token}
contexts:
  - name: brainmesh-local
    context:
      cluster: brainmesh-local
      user: admin
      namespace: default
current-context: brainmesh-local
`;
}

/** Fake nodes in three zones, so that topology spread and anti-affinity of replicated workloads can be met. */
const NODE_YAML = NODES.map(
  (name, i) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: local-${'abc'[i]}
    type: kwok
status:
  allocatable: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 200Gi }
  capacity: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 200Gi }
`,
).join('---\n');

async function start(dir, log) {
  const p = paths();
  const f = files(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(f.pki, { recursive: true, mode: 0o700 });
  fs.mkdirSync(f.kwokHome, { recursive: true });
  const [etcdClient, etcdPeer, apiserver, cm, scheduler] = await freePorts(5);
  const token = crypto.randomBytes(24).toString('hex');
  const state = {
    dir,
    token,
    ports: { etcdClient, etcdPeer, apiserver, controllerManager: cm, scheduler },
    server: `https://127.0.0.1:${apiserver}`,
    kubeconfig: f.kubeconfig,
    nodes: NODES,
    pids: {},
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(f.tokens, `${token},admin,1,"system:masters"\n`, { mode: 0o600 });
  await run('openssl', ['genrsa', '-out', f.saKey, '2048']);
  await run('openssl', ['rsa', '-in', f.saKey, '-pubout', '-out', f.saPub]);
  const save = () => fs.writeFileSync(f.state, `${JSON.stringify(state, null, 2)}\n`);
  const launch = (name, cmd, args, env) => {
    const proc = spawnDetached(cmd, args, {
      logFile: f.log(name),
      pidFile: f.pid(name),
      cwd: dir,
      env: { ...process.env, ...env },
    });
    state.pids[name] = proc.pid;
    save();
    return proc;
  };
  save();

  let t = Date.now();
  const etcd = launch('etcd', p.etcd, [
    '--name=brainmesh',
    `--data-dir=${f.etcdData}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=brainmesh=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok, {
    timeoutMs: 30_000,
    pid: etcd.pid,
    logFile: f.log('etcd'),
  });
  log(`etcd ready on 127.0.0.1:${etcdClient} (pid ${etcd.pid}, ${seconds(t)})`);

  t = Date.now();
  const api = launch('kube-apiserver', p.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiserver}`,
    `--cert-dir=${f.pki}`,
    `--token-auth-file=${f.tokens}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${f.saPub}`,
    `--service-account-signing-key-file=${f.saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=0',
  ]);
  await waitFor(
    'kube-apiserver',
    async () => fs.existsSync(path.join(f.pki, 'apiserver.crt')) && apiReady(state),
    {
      timeoutMs: 90_000,
      pid: api.pid,
      logFile: f.log('kube-apiserver'),
    },
  );
  const ca = fs.readFileSync(path.join(f.pki, 'apiserver.crt'));
  fs.writeFileSync(f.kubeconfig, kubeconfigYaml(state.server, ca, token), { mode: 0o600 });
  log(`kube-apiserver ready on ${state.server} (pid ${api.pid}, ${seconds(t)})`);

  t = Date.now();
  const kc = f.kubeconfig;
  const cmProc = launch('kube-controller-manager', p.kubeControllerManager, [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--leader-elect=false',
    '--controllers=*,-nodeipam',
    `--service-account-private-key-file=${f.saKey}`,
    `--root-ca-file=${path.join(f.pki, 'apiserver.crt')}`,
    // No metrics API here: HPAs only enforce minReplicas/maxReplicas, and react within seconds.
    '--horizontal-pod-autoscaler-sync-period=2s',
    '--bind-address=127.0.0.1',
    `--secure-port=${cm}`,
    `--cert-dir=${path.join(f.pki, 'controller-manager')}`,
    '--profiling=false',
  ]);
  const schedProc = launch('kube-scheduler', p.kubeScheduler, [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${scheduler}`,
    `--cert-dir=${path.join(f.pki, 'scheduler')}`,
    '--profiling=false',
  ]);
  // kwok's default stages: pod-ready (pods Running/Ready), pod-complete (pods owned by a Job -> Succeeded,
  // so Jobs and Helm hook Jobs complete) and pod-delete. KWOK_WORKDIR keeps a ~/.kwok/kwok.yaml out.
  const kwokProc = launch(
    'kwok',
    p.kwok,
    [`--kubeconfig=${kc}`, '--manage-all-nodes=true', '--node-ip=127.0.0.1', '--cidr=10.244.0.0/16'],
    { KWOK_WORKDIR: f.kwokHome },
  );

  await applyYaml(state, NODE_YAML);
  await Promise.all([
    waitFor('kube-controller-manager', async () => (await get(cm, '/healthz')).status === 200, {
      timeoutMs: 60_000,
      pid: cmProc.pid,
      logFile: f.log('kube-controller-manager'),
    }),
    waitFor('kube-scheduler', async () => (await get(scheduler, '/healthz')).status === 200, {
      timeoutMs: 60_000,
      pid: schedProc.pid,
      logFile: f.log('kube-scheduler'),
    }),
    waitFor(
      `nodes ${NODES.join(', ')} Ready (kwok)`,
      async () => {
        const res = await get(apiserver, '/api/v1/nodes', { token, ca });
        const ready = JSON.parse(res.body).items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === NODES.length;
      },
      { timeoutMs: 60_000, pid: kwokProc.pid, logFile: f.log('kwok') },
    ),
    waitFor(
      'the default ServiceAccount (controller-manager)',
      async () =>
        (await get(apiserver, '/api/v1/namespaces/default/serviceaccounts/default', { token, ca })).status ===
        200,
      { timeoutMs: 60_000, pid: cmProc.pid, logFile: f.log('kube-controller-manager') },
    ),
  ]);
  log(`controller-manager, scheduler and kwok ready, ${NODES.length} fake nodes Ready (${seconds(t)})`);
  state.readyAt = new Date().toISOString();
  save();
  return state;
}

async function applyYaml(state, yaml) {
  const p = paths();
  const res = spawnSync(p.kubectl, ['--kubeconfig', files(state.dir).kubeconfig, 'apply', '-f', '-'], {
    input: yaml,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new DeployError(`kubectl apply failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}

/**
 * Start the cluster, or reuse the one this tool started when all its processes run and the API answers.
 * Resolves to { kubeconfig, server, token, node, ports, pids, dir, reused, seconds }.
 */
export async function up({ log = makeLog('cluster'), fresh = false } = {}) {
  const gone = missing().filter((m) => !/Terraform|schemas|CRDs|openapi2jsonschema|kubeconform/.test(m));
  if (gone.length)
    throw new DeployError(
      `toolchain missing: ${gone.join('; ')}: run node tools/deploy/toolchain.mjs ensure`,
    );
  const dir = runDir();
  const t0 = Date.now();
  return withFileLock(
    path.join(path.dirname(dir), '.cluster.lock'),
    async () => {
      const state = readState(dir);
      const alive = ownedPids(dir);
      if (
        !fresh &&
        state &&
        Object.keys(alive).length === COMPONENTS.length &&
        (await apiReady(state).catch(() => false))
      ) {
        log(`already running (${state.server}), reusing; kubeconfig ${state.kubeconfig}`);
        return { ...state, pids: alive, reused: true, seconds: (Date.now() - t0) / 1000 };
      }
      if (Object.keys(alive).length) {
        log(
          `${fresh ? 'restart asked (--fresh)' : 'a partial cluster from an earlier run'}: stopping ${Object.keys(alive).join(', ')}`,
        );
        await stopAll(dir, log);
      }
      log(`starting under ${dir}`);
      try {
        const s = await start(dir, log);
        log(`ready in ${seconds(t0)}: kubeconfig ${s.kubeconfig}`);
        return { ...s, reused: false, seconds: (Date.now() - t0) / 1000 };
      } catch (e) {
        // Leave nothing behind, but keep the logs for the error message.
        const logs = Object.fromEntries(COMPONENTS.map((c) => [c, tail(files(dir).log(c), 5)]));
        await stopAll(dir, () => {}, { keepDir: true });
        e.message += `\n(logs kept in ${dir}; last lines: ${JSON.stringify(logs).slice(0, 2000)})`;
        throw e;
      }
    },
    { what: 'another cluster command', log },
  );
}

async function stopAll(dir, log, { keepDir = false } = {}) {
  const f = files(dir);
  const stopped = [];
  for (const c of [...COMPONENTS].reverse()) {
    const pid = ownedPid(f.pid(c), [dir]);
    if (!pid) {
      const stale = readPid(f.pid(c));
      if (stale) log(`${c}: pid ${stale} is not ours any more (or gone), left alone`);
      continue;
    }
    const t = Date.now();
    const how = await stopPid(pid, { signal: 'SIGTERM', graceMs: 10_000 });
    log(`${c}: ${how} (pid ${pid}) in ${seconds(t)}`);
    stopped.push(c);
  }
  if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  return stopped;
}

/** Stop only the processes whose PIDs this tool saved (and whose command line names the run dir). */
export async function down({ log = makeLog('cluster') } = {}) {
  const dir = runDir();
  const t0 = Date.now();
  return withFileLock(
    path.join(path.dirname(dir), '.cluster.lock'),
    async () => {
      const stopped = await stopAll(dir, log);
      log(`down in ${seconds(t0)} (stopped: ${stopped.join(', ') || 'nothing was running'})`);
      return { stopped, seconds: (Date.now() - t0) / 1000 };
    },
    { what: 'another cluster command', log },
  );
}

export function status() {
  const dir = runDir();
  const state = readState(dir);
  const alive = ownedPids(dir);
  return {
    dir,
    running: Boolean(state) && Object.keys(alive).length === COMPONENTS.length,
    pids: alive,
    kubeconfig: state ? state.kubeconfig : null,
    server: state?.server ?? null,
    ports: state?.ports ?? null,
  };
}

async function main(argv) {
  const [cmd = 'help', ...rest] = argv;
  switch (cmd) {
    case 'up': {
      const res = await up({ fresh: rest.includes('--fresh') });
      if (rest.includes('--json')) console.log(JSON.stringify(res, null, 2));
      else console.log(`export KUBECONFIG='${res.kubeconfig}'`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status':
      console.log(JSON.stringify(status(), null, 2));
      return 0;
    case 'env': {
      const s = status();
      if (!s.running) {
        console.error('[deploy] cluster is not running: node tools/deploy/cluster.mjs up');
        return 1;
      }
      console.log(`export KUBECONFIG='${s.kubeconfig}'`);
      return 0;
    }
    default:
      return usage(import.meta.url, 12, cmd);
  }
}

runAsScript(import.meta.url, main, (e) => {
  console.error(`[deploy] cluster FAILED: ${e instanceof DeployError ? e.message : (e?.stack ?? e)}`);
  return 1;
});

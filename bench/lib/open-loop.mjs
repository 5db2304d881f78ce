// Shared load-generation helpers for the benchmarks under bench/ (plain ESM, no build, no deps).
//
// openLoop: requests leave on a fixed schedule (fixed arrival rate) whatever the completions, and
// latency is measured from the *intended* send time, so queueing in the system under test (or in
// the generator) is not hidden (no coordinated omission). At most `maxInFlight` requests are
// outstanding; past that a request is dropped and counted. Bounded in count (rate x duration) and
// in time (the schedule, then `drainMs` for stragglers, which then count as timed out).
//
// closedLoop: `concurrency` workers back to back, for maximum throughput.
//
// A request is a function `send(done)` that starts one request and calls
// `done(error, ok, firstByteAt)` once: `ok` false counts as an error (`error` may then be a status
// or a short string naming what was wrong), `firstByteAt` (optional) is the performance.now() at
// which the first byte of the body arrived (time to first byte of a streamed response).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50/p90/p99/max of the first `count` values (sorted in place). */
export function summarise(values, count) {
  const sorted = values.subarray(0, count).sort();
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: count ? sorted[count - 1] : NaN,
  };
}

function errorKey(error) {
  if (error === null || error === undefined) return 'not ok';
  if (typeof error === 'number' || typeof error === 'string') return String(error);
  return error.code ?? error.message ?? String(error);
}

/**
 * Open loop at `rate` requests per second for `durationMs`. Resolves with counts, achieved rate,
 * `latency` (from the intended send time to the last byte) and `firstByte` (to the first byte,
 * only for requests that reported one), each {p50, p90, p99, max} in ms.
 */
export function openLoop({ send, rate, durationMs, maxInFlight = 2_000, drainMs = 10_000 }) {
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const latencies = new Float64Array(total);
  const firstBytes = new Float64Array(total);
  const stats = { sent: 0, ok: 0, errors: 0, dropped: 0, timedOut: 0, statuses: {} };
  let firstByteCount = 0;
  let inFlight = 0;
  let lastDone = 0;
  let maxLag = 0; // how late the generator itself sent (its own event loop), ms
  const t0 = performance.now() + 5;
  return new Promise((resolve) => {
    let finished = false;
    let drainTimer;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      stats.timedOut = inFlight;
      stats.errors += inFlight;
      const elapsed = Math.max(durationMs, lastDone - t0);
      resolve({
        rate,
        ...stats,
        achieved: (stats.ok / elapsed) * 1000,
        generatorMaxLag: maxLag,
        latency: summarise(latencies, stats.ok),
        firstByte: firstByteCount ? summarise(firstBytes, firstByteCount) : undefined,
      });
    };
    const onDone = (intended) => {
      let called = false;
      return (error, ok, firstByteAt) => {
        if (called || finished) return;
        called = true;
        inFlight--;
        const end = performance.now();
        lastDone = end;
        if (ok) {
          latencies[stats.ok++] = end - intended;
          if (firstByteAt !== undefined) firstBytes[firstByteCount++] = firstByteAt - intended;
        } else {
          stats.errors++;
          const k = errorKey(error);
          stats.statuses[k] = (stats.statuses[k] ?? 0) + 1;
        }
        if (stats.sent === total && inFlight === 0) finish();
      };
    };
    const tick = () => {
      const now = performance.now();
      while (stats.sent < total && t0 + stats.sent * interval <= now) {
        const intended = t0 + stats.sent * interval;
        maxLag = Math.max(maxLag, now - intended);
        stats.sent++;
        if (inFlight >= maxInFlight) {
          stats.dropped++;
          continue;
        }
        inFlight++;
        try {
          send(onDone(intended));
        } catch (error) {
          onDone(intended)(error, false);
        }
      }
      if (stats.sent < total) setTimeout(tick, Math.max(0, t0 + stats.sent * interval - performance.now()));
      else if (inFlight === 0) finish();
      else drainTimer = setTimeout(finish, drainMs);
    };
    setTimeout(tick, 5);
  });
}

/**
 * Closed loop: `concurrency` workers, each sending its next request when the previous one is done,
 * for `durationMs` (and at most `maxRequests`). Latency per request (no schedule), ms.
 */
export async function closedLoop({ send, concurrency, durationMs, maxRequests = 500_000 }) {
  const latencies = new Float64Array(maxRequests);
  const firstBytes = new Float64Array(maxRequests);
  let firstByteCount = 0;
  let started = 0;
  let ok = 0;
  let errors = 0;
  const statuses = {};
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const one = () =>
    new Promise((resolve) => {
      const begin = performance.now();
      let called = false;
      const done = (error, success, firstByteAt) => {
        if (called) return;
        called = true;
        if (success) {
          latencies[ok++] = performance.now() - begin;
          if (firstByteAt !== undefined) firstBytes[firstByteCount++] = firstByteAt - begin;
        } else {
          errors++;
          const k = errorKey(error);
          statuses[k] = (statuses[k] ?? 0) + 1;
        }
        resolve();
      };
      try {
        send(done);
      } catch (error) {
        done(error, false);
      }
    });
  const worker = async () => {
    while (performance.now() < deadline && started < maxRequests) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  return {
    concurrency,
    ok,
    errors,
    statuses,
    throughput: (ok / elapsed) * 1000,
    latency: summarise(latencies, ok),
    firstByte: firstByteCount ? summarise(firstBytes, firstByteCount) : undefined,
  };
}

/** CPU, cores, memory, Node, OS and date of this run, for the results header. */
export function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model.trim(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

/**
 * Replaces the text between `start` and `end` markers in `file` with `block` (the text around the
 * markers is kept); when the markers are absent, appends `intro` followed by the marked block.
 */
export function writeBetweenMarkers(file, { start, end, block, intro = '' }) {
  const generated = `${start}\n\n${block}\n\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + generated + text.slice(b + end.length);
  else text = `${text.trimEnd()}\n\n${intro}${generated}\n`;
  writeFileSync(file, text);
  return file;
}

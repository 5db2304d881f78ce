// Contract guard rails for proto/: lint, no breaking changes against main, and a negative proof
// that the breaking-change check really catches renumbered / deleted fields.
// Everything runs offline with the buf binary from node_modules (git inputs are local clones).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { authV1, commonV1, diagnosticsV1 } from './index';

const root = resolve(__dirname, '..', '..', '..');
const protoDir = join(root, 'proto');
const buf = join(root, 'node_modules', '.bin', 'buf');

interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string): RunResult {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      // Hermetic git: no user/system config, deterministic identity, no signing prompts.
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'contracts-spec',
      GIT_AUTHOR_EMAIL: 'contracts-spec@example.invalid',
      GIT_COMMITTER_NAME: 'contracts-spec',
      GIT_COMMITTER_EMAIL: 'contracts-spec@example.invalid',
      GIT_TERMINAL_PROMPT: '0',
    },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: RunResult, what: string): RunResult {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

interface BufViolation {
  path: string;
  type: string;
  message: string;
}

function parseViolations(stdout: string): BufViolation[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as BufViolation);
}

/** Copies proto/ into a fresh git repository (branch main, one commit) and returns its directory. */
function snapshotRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brainmesh-proto-'));
  cpSync(protoDir, join(dir, 'proto'), { recursive: true });
  ok(run('git', ['init', '-q', '-b', 'main'], dir), 'git init');
  ok(run('git', ['add', '-A'], dir), 'git add');
  ok(run('git', ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'baseline'], dir), 'git commit');
  return dir;
}

function edit(file: string, replacements: Array<[RegExp, string]>): void {
  let text = readFileSync(file, 'utf8');
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(text)) throw new Error(`pattern ${pattern} not found in ${file}`);
    text = text.replace(pattern, replacement);
  }
  writeFileSync(file, text);
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

jest.setTimeout(60_000);

describe('proto contracts', () => {
  it('has the buf binary installed', () => {
    expect(existsSync(buf)).toBe(true);
  });

  it('passes buf lint (STANDARD + COMMENTS)', () => {
    ok(run(buf, ['lint', 'proto', '--error-format', 'json'], root), 'buf lint');
  });

  it('has no breaking changes against main (or against a snapshot of itself when main has no proto/ yet)', () => {
    const commonDir = run('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], root);
    const mainHasProto =
      commonDir.status === 0 && run('git', ['cat-file', '-e', 'main:proto/buf.yaml'], root).status === 0;

    let against: string;
    if (mainHasProto) {
      against = `${commonDir.stdout.trim()}#branch=main,subdir=proto`;
    } else {
      // Bootstrap: main does not carry proto/ yet. Still exercise the exact git-input path and the
      // FILE rule set by comparing the working tree against a committed snapshot of itself.
      const snap = snapshotRepo();
      temps.push(snap);
      against = `${join(snap, '.git')}#branch=main,subdir=proto`;
    }
    ok(
      run(buf, ['breaking', 'proto', '--against', against, '--error-format', 'json'], root),
      `buf breaking --against ${against}`,
    );
  });

  it('accepts additive changes (new field, new RPC)', () => {
    const dir = snapshotRepo();
    temps.push(dir);
    edit(join(dir, 'proto/brainmesh/diagnostics/v1/diagnostics.proto'), [
      [
        /( {2}string topic = 2;\n)/,
        '$1  // Added later: when the probe was written (RFC 3339).\n  string written_at = 3;\n',
      ],
      [
        /( {2}rpc EmitPipelineProbe\(EmitPipelineProbeRequest\) returns \(EmitPipelineProbeResponse\);\n)/,
        '$1  // Added later.\n  rpc Ping(PingRequest) returns (PingResponse);\n',
      ],
      [/$/, '\n// Added later.\nmessage PingRequest {}\n\n// Added later.\nmessage PingResponse {}\n'],
    ]);
    ok(run(buf, ['lint', 'proto'], dir), 'buf lint of the additive change');
    ok(
      run(
        buf,
        ['breaking', 'proto', '--against', '.git#branch=main,subdir=proto', '--error-format', 'json'],
        dir,
      ),
      'additive buf breaking',
    );
  });

  it('fails buf breaking when a field is renumbered, a number is reused or a field is removed without reserved', () => {
    const dir = snapshotRepo();
    temps.push(dir);
    // Renumber `note` (2 -> 3) and drop `topic` without reserving its number.
    edit(join(dir, 'proto/brainmesh/diagnostics/v1/diagnostics.proto'), [
      [/string note = 2;/, 'string note = 3;'],
      [/\n {2}\/\/ Topic the event[^\n]*\n {2}string topic = 2;/, ''],
    ]);
    // Reuse number 2 of `version` for `embedded`.
    edit(join(dir, 'proto/brainmesh/common/v1/service_info.proto'), [
      [/\n {2}\/\/ Build version[^\n]*\n {2}string version = 2;/, ''],
      [/bool embedded = 5;/, 'bool embedded = 2;'],
    ]);

    const r = run(
      buf,
      ['breaking', 'proto', '--against', '.git#branch=main,subdir=proto', '--error-format', 'json'],
      dir,
    );
    expect(r.status).not.toBe(0);
    const violations = parseViolations(r.stdout);
    const messages = violations.map((v) => `${v.type}: ${v.message}`);

    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^FIELD_NO_DELETE: .*"2" with name "note" on message "EmitPipelineProbeRequest"/,
        ),
        expect.stringMatching(
          /^FIELD_NO_DELETE: .*"2" with name "topic" on message "EmitPipelineProbeResponse"/,
        ),
        expect.stringMatching(
          /^FIELD_SAME_TYPE: Field "2" with name "embedded" on message "ServiceInfo" changed type/,
        ),
        expect.stringMatching(
          /^FIELD_SAME_NAME: Field "2" on message "ServiceInfo" changed name from "version" to "embedded"/,
        ),
      ]),
    );
  });
});

describe('generated TypeScript', () => {
  it('exposes one namespace per package with grpc-js service definitions', () => {
    expect(authV1.AuthServiceService.getServiceInfo.path).toBe(
      '/brainmesh.auth.v1.AuthService/GetServiceInfo',
    );
    expect(diagnosticsV1.DiagnosticsServiceService.emitPipelineProbe.path).toBe(
      '/brainmesh.diagnostics.v1.DiagnosticsService/EmitPipelineProbe',
    );
  });

  it('round-trips ServiceInfo through the wire format as plain objects', () => {
    const info: commonV1.ServiceInfo = {
      service: 'auth',
      version: '1.2.3',
      instanceId: 'i-1',
      startedAt: '2025-01-31T12:00:00.000Z',
      embedded: true,
    };
    const bytes = authV1.GetServiceInfoResponse.encode({ info }).finish();
    expect(authV1.GetServiceInfoResponse.decode(bytes)).toEqual({ info });
  });
});

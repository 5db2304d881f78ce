// The release image and the GitHub workflows, checked with real parsers (no Docker engine here):
//   - the Dockerfile through BuildKit's own parser and build checks plus the image rules
//     (tools/deploy/dockerfile-lint.mjs), and one broken variant per rule, each rejected by name;
//   - .github/workflows through actionlint (tools/deploy/actionlint.mjs), and a broken workflow.
// The Go tools are built once into ~/.cache/brainmesh/tools (`--ensure`, which npm test runs before
// the e2e tier); beforeAll does it too when they are missing, so this file also runs on its own:
//   BRAINMESH_TEST_TIER=e2e npx jest -c jest.config.js tools/deploy/test/e2e/images-and-workflows.e2e-spec.ts
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');
const DOCKERFILE_LINT = join(ROOT, 'tools/deploy/dockerfile-lint.mjs');
const ACTIONLINT = join(ROOT, 'tools/deploy/actionlint.mjs');
const COLD_BUILD_MS = 30 * 60_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

interface Finding {
  rule: string;
  line: number;
  message: string;
}

interface Command {
  Instruction: string;
  Line: number;
  Args: string[] | null;
  ShellForm: boolean | null;
  Pairs: { Key: string; Value: string | null }[] | null;
  Value: string;
}

interface LintResult {
  file: string;
  ok: boolean;
  findings: Finding[];
  parser: string;
  stages: { Name: string; Base: string; Platform: string; Commands: Command[] }[];
}

function log(line: string): void {
  console.log(`[deploy] ${line}`);
}

/** Runs `node script args`; logs `[deploy] <label>: N s`. `stream` forwards stderr (build progress). */
function node(label: string, args: string[], opts: { cwd?: string; stream?: boolean } = {}): Promise<Result> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (opts.stream) process.stderr.write(b);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      log(`${label}: ${seconds.toFixed(1)} s${code ? ` (exit ${code})` : ''}`);
      done({ code: code ?? -1, stdout, stderr, seconds });
    });
  });
}

async function lintDockerfile(
  label: string,
  file: string,
): Promise<{ code: number; result: LintResult; text: string }> {
  const res = await node(label, [DOCKERFILE_LINT, '--json', file]);
  if (res.code !== 0 && res.code !== 1) throw new Error(`dockerfile-lint exited ${res.code}: ${res.stderr}`);
  const [result] = JSON.parse(res.stdout) as LintResult[];
  const text = result.findings.map((f) => `${f.rule} line ${f.line}: ${f.message}`).join('\n');
  return { code: res.code, result, text };
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
let tmp: string;

/** The repository's Dockerfile with one change, in its own directory with the .dockerignore. */
function variant(name: string, change: (text: string) => string, { dockerignore = true } = {}): string {
  const changed = change(dockerfile);
  if (changed === dockerfile) throw new Error(`variant ${name}: the change did not apply to the Dockerfile`);
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), changed);
  if (dockerignore) copyFileSync(join(ROOT, '.dockerignore'), join(dir, '.dockerignore'));
  return join(dir, 'Dockerfile');
}

/** Replaces exactly one occurrence of `from` (a string or a multi-line RegExp). */
function replaceOnce(from: string | RegExp, to: string): (text: string) => string {
  return (text) => {
    const matches =
      typeof from === 'string'
        ? text.split(from).length - 1
        : (text.match(new RegExp(from, 'gm')) ?? []).length;
    if (matches !== 1)
      throw new Error(`expected one match of ${String(from)} in the Dockerfile, found ${matches}`);
    return text.replace(from, to);
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'brainmesh-images-'));
  // No-ops (well under a second) once built; a cold build of BuildKit's parser takes minutes.
  const parser = await node('ensure dockerfile-check (BuildKit parser)', [DOCKERFILE_LINT, '--ensure'], {
    stream: true,
  });
  if (parser.code !== 0) throw new Error(`could not build the Dockerfile parser:\n${parser.stderr}`);
  const actionlint = await node('ensure actionlint', [ACTIONLINT, '--ensure'], { stream: true });
  if (actionlint.code !== 0) throw new Error(`could not build actionlint:\n${actionlint.stderr}`);
}, COLD_BUILD_MS);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('passes BuildKit parsing, BuildKit build checks and every image rule', async () => {
    const { code, result, text } = await lintDockerfile('lint Dockerfile', join(ROOT, 'Dockerfile'));
    expect(text).toBe('');
    expect(code).toBe(0);
    expect(result.parser).toMatch(/^github\.com\/moby\/buildkit@v\d+\.\d+\.\d+$/);

    // The layout the deployment relies on.
    expect(result.stages.map((s) => s.Name)).toEqual(['manifests', 'build', 'prod-deps', 'runtime']);
    const runtime = result.stages.at(-1)!;
    const last = (instruction: string) =>
      runtime.Commands.filter((c) => c.Instruction === instruction).at(-1);
    expect(runtime.Base).toBe('${NODE_IMAGE}');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(last('USER')?.Value).toBe('10001:10001');
    expect(last('STOPSIGNAL')?.Value).toBe('SIGTERM');
    expect(last('ENTRYPOINT')).toMatchObject({
      ShellForm: false,
      Args: ['/usr/local/bin/brainmesh-entrypoint'],
    });
    const env = Object.fromEntries(
      runtime.Commands.filter((c) => c.Instruction === 'ENV').flatMap((c) =>
        (c.Pairs ?? []).map((p) => [p.Key, p.Value]),
      ),
    );
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      BRAINMESH_SERVICE: '${SERVICE}',
      HOME: '/tmp',
      TMPDIR: '/tmp',
    });
    // The build runs on the build machine; production dependencies install on the target platform.
    expect(result.stages.find((s) => s.Name === 'build')?.Platform).toBe('$BUILDPLATFORM');
    expect(result.stages.find((s) => s.Name === 'prod-deps')?.Platform).toBe('');
  });

  const cases: {
    name: string;
    rule: string;
    message: RegExp;
    change: (text: string) => string;
    dockerignore?: boolean;
  }[] = [
    {
      name: 'FROM node:latest',
      rule: 'DL3007',
      message: /FROM node:latest: never use the latest tag/,
      change: replaceOnce(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:latest'),
    },
    {
      name: 'an untagged base image',
      rule: 'DL3006',
      message: /FROM node: pin the image to a version tag/,
      change: replaceOnce(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node'),
    },
    {
      name: 'no USER in the final stage',
      rule: 'BM001',
      message: /final stage "runtime" has no USER: it would run as root/,
      change: replaceOnce(/^USER 10001:10001\n/m, ''),
    },
    {
      name: 'USER root',
      rule: 'DL3002',
      message: /USER root: the final image must not run as root/,
      change: replaceOnce(/^USER 10001:10001$/m, 'USER root'),
    },
    {
      name: 'a user name instead of a numeric uid',
      rule: 'BM001',
      message: /USER brainmesh: use a numeric uid:gid/,
      change: replaceOnce(/^USER 10001:10001$/m, 'USER brainmesh'),
    },
    {
      name: 'ENV API_KEY=…',
      rule: 'BM002',
      message: /ENV API_KEY: secrets must not be set with ENV/,
      change: replaceOnce(
        /^ENV NODE_ENV=production/m,
        'ENV API_KEY=sk-not-a-real-key-0123456789abcdef\nENV NODE_ENV=production',
      ),
    },
    {
      name: 'ARG NPM_TOKEN in a build stage',
      rule: 'BM002',
      message: /ARG NPM_TOKEN: secrets must not be set with ARG/,
      change: replaceOnce(/^(FROM .* AS build\n)/m, '$1ARG NPM_TOKEN\n'),
    },
    {
      name: 'no STOPSIGNAL',
      rule: 'BM003',
      message: /final stage has no STOPSIGNAL/,
      change: replaceOnce(/^STOPSIGNAL SIGTERM\n/m, ''),
    },
    {
      name: 'no OCI labels',
      rule: 'BM004',
      message:
        /final stage lacks OCI labels: org\.opencontainers\.image\.source, .*org\.opencontainers\.image\.description/,
      change: replaceOnce(/^LABEL (.*\\\n)*.*\n/m, ''),
    },
    {
      name: 'dev dependencies in the shipped node_modules',
      rule: 'BM005',
      message: /npm install\/ci without --omit=dev in stage "prod-deps"/,
      change: replaceOnce('npm install --omit=dev ', 'npm install '),
    },
    {
      name: 'node_modules copied from the full build install',
      rule: 'BM005',
      message: /npm install\/ci without --omit=dev in stage "build"/,
      change: replaceOnce(
        'COPY --link --from=prod-deps /app/ ./',
        'COPY --link --from=build /app/node_modules ./node_modules',
      ),
    },
    {
      name: 'ADD instead of COPY',
      rule: 'DL3020',
      message: /ADD of local files or folders: use COPY/,
      change: replaceOnce(/^COPY \. \.$/m, 'ADD . .'),
    },
    {
      name: 'a shell-form ENTRYPOINT',
      rule: 'DL3025',
      message: /ENTRYPOINT in shell form: use the exec \(JSON\) form/,
      change: replaceOnce(/^ENTRYPOINT .*$/m, 'ENTRYPOINT /usr/local/bin/brainmesh-entrypoint'),
    },
    {
      name: 'a relative WORKDIR',
      rule: 'DL3000',
      message: /WORKDIR app: use an absolute path/,
      change: replaceOnce(/^(FROM .* AS runtime\n(?:.*\n)*?)WORKDIR \/app$/m, '$1WORKDIR app'),
    },
    {
      name: 'apt-get install without --no-install-recommends and list cleanup',
      rule: 'DL3015',
      message: /apt-get install without --no-install-recommends/,
      change: replaceOnce(
        /^USER 10001:10001$/m,
        'RUN apt-get update && apt-get install -y curl\nUSER 10001:10001',
      ),
    },
    {
      name: 'a secret file copied into the image',
      rule: 'BM006',
      message: /COPY \.npmrc: never copy secrets/,
      change: replaceOnce(/^COPY \. \.$/m, 'COPY .npmrc ./\nCOPY . .'),
    },
    {
      name: 'no .dockerignore',
      rule: 'BM008',
      message: /the whole build context is copied but .*\.dockerignore does not exist/,
      change: (text) => `${text}\n`,
      dockerignore: false,
    },
    {
      name: 'an instruction BuildKit does not know',
      rule: 'BuildError',
      message: /BuildKit rejects this Dockerfile: .*unknown instruction: COPYY/i,
      change: replaceOnce(/^COPY \. \.$/m, 'COPYY . .'),
    },
  ];

  it.each(cases)('rejects $name ($rule)', async ({ name, rule, message, change, dockerignore }) => {
    const file = variant(name.replace(/[^a-z0-9]+/gi, '-'), change, { dockerignore });
    const { code, result, text } = await lintDockerfile(`lint: ${name}`, file);
    log(`  ${text.split('\n').join('\n[deploy]   ')}`);
    expect(code).toBe(1);
    expect(result.ok).toBe(false);
    const hit = result.findings.find((f) => f.rule === rule);
    expect(hit).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('also reports BuildKit build checks (docker build --check) by rule name', async () => {
    const file = variant('buildkit-checks', replaceOnce(/^(FROM .*) AS build$/m, '$1 as Build'));
    const { code, text } = await lintDockerfile('lint: BuildKit checks', file);
    expect(code).toBe(1);
    expect(text).toMatch(/BK:FromAsCasing line \d+: BuildKit check FromAsCasing/);
    expect(text).toMatch(/BK:StageNameCasing/);
  });
});

describe('.dockerignore', () => {
  it('keeps VCS data, dependencies, build output, local state and secrets out of the build context', () => {
    const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(patterns).toEqual(
      expect.arrayContaining([
        '.git',
        '**/node_modules',
        '**/dist',
        '.nx',
        '.brainmesh',
        '**/.env',
        '**/.npmrc',
      ]),
    );
    // The build needs these: never excluded.
    for (const needed of [
      'proto',
      'libs',
      'services',
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'nx.json',
    ]) {
      expect(patterns).not.toContain(needed);
    }
  });
});

describe('GitHub workflows', () => {
  it('pass actionlint', async () => {
    const res = await node('actionlint .github/workflows', [ACTIONLINT]);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/ci\.yml, .*release\.yml OK/);
  });

  it('actionlint rejects a broken workflow (bad expression, unknown context property)', async () => {
    const dir = join(tmp, 'workflows', '.github', 'workflows');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'broken.yml');
    writeFileSync(
      file,
      [
        'name: broken',
        'on: push',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        '      - run: echo "${{ github.event_nme }}"',
        "      - if: ${{ github.ref == 'refs/heads/main' && }}",
        '        run: echo deploy',
        '',
      ].join('\n'),
    );
    const res = await node('actionlint broken.yml', [ACTIONLINT, file]);
    log(`  ${res.stdout.trim().split('\n').join('\n[deploy]   ')}`);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/broken\.yml:7:\d+: property "event_nme" is not defined/);
    expect(res.stdout).toMatch(/broken\.yml:8:\d+: .*unexpected end of input/);
  });

  it('release builds one image for linux/amd64 and linux/arm64 with SBOM and provenance, and pushes the chart', () => {
    const release = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
    expect(release).toMatch(/tags: \['v\*'\]/);
    expect(release).toMatch(/platforms: linux\/amd64,linux\/arm64/);
    expect(release).toMatch(/provenance: mode=max/);
    expect(release).toMatch(/sbom: true/);
    expect(release).toMatch(/helm package charts\/brainmesh --version "\$version"/);
    expect(release).toMatch(/helm push "\$PACKAGE" "oci:\/\/\$\{REGISTRY\}\/\$\{owner\}\/charts"/);
    expect(release).toMatch(/gh release create .*--generate-notes/s);
    const ci = readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8');
    expect(ci).toMatch(/bash \.ci\/run/);
    expect(ci).toMatch(/~\/\.cache\/brainmesh\/tools/);
  });
});

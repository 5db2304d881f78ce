#!/usr/bin/env node
// Checks Dockerfiles with BuildKit's own Dockerfile parser and build checks (what `docker build`
// and `docker build --check` run), plus hadolint-equivalent and brainmesh policy rules.
//
//   node tools/deploy/dockerfile-lint.mjs [Dockerfile…]   check (default: ./Dockerfile)
//   node tools/deploy/dockerfile-lint.mjs --json FILE      findings and parsed instructions as JSON
//   node tools/deploy/dockerfile-lint.mjs --ensure         only build the cached parser (prints its path)
//   options: --context DIR   build context of the Dockerfile(s) (default: the Dockerfile's directory)
//
// The parser is a small Go program (below) over github.com/moby/buildkit/frontend/dockerfile, built
// from the Go module proxy once into ~/.cache/brainmesh/tools/dockerfile-check/<version>-<hash>/
// (a cold build takes a few minutes: BuildKit is a large module). It parses the file, runs every
// BuildKit build check offline (base images are not pulled) and prints the instructions as JSON;
// the rules in this file run on that JSON.
//
// A finding can be silenced with a comment right above the instruction:
//   # lint-ignore=DL3008,BM003 reason     (`# hadolint ignore=…` works too)
// BuildKit checks are configured as in Docker: `# check=skip=RuleName` at the top of the file.
// Exit code: 0 clean, 1 findings, 2 the parser could not be built or run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ensureCachedBinary, runGo, say, ToolError, TOOLS_DIR } from './actionlint.mjs';
import { runAsScript } from './lib.mjs';

export const BUILDKIT_VERSION = 'v0.34.2';

// The Go program (no backticks or backslashes, so it can live in this template literal).
const GO_SOURCE = `// dockerfile-check: parses a Dockerfile with BuildKit's own parser (the code docker build runs),
// runs BuildKit's build checks (docker build --check) offline, and prints the parsed
// instructions as JSON on stdout for the rules in tools/deploy/dockerfile-lint.mjs.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

type kv struct {
	Key   string
	Value *string
}

type inline struct {
	Name string
	Data string
}

type command struct {
	Instruction string
	Line        int
	EndLine     int
	Source      string
	Flags       []string
	Comments    []string
	// RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK
	Args      []string
	ShellForm *bool
	Heredocs  []inline
	// ENV, LABEL, ARG
	Pairs []kv
	// COPY, ADD
	Sources  []string
	Inline   []inline
	Dest     string
	From     string
	Chown    string
	Chmod    string
	Checksum string
	// USER, WORKDIR, STOPSIGNAL
	Value string
}

type stage struct {
	Index    int
	Name     string
	Base     string
	Platform string
	Line     int
	Source   string
	Comments []string
	Commands []command
}

type check struct {
	Rule        string
	Description string
	URL         string
	Message     string
	Line        int
}

type report struct {
	Parser   string
	File     string
	Error    *check
	MetaArgs []kv
	Stages   []stage
	Checks   []check
	Warnings []string
}

// offlineResolver stands in for a registry: every base image "exists", for the requested
// platform, with a one-layer filesystem and the usual PATH. Nothing is fetched.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	osName, arch, variant := "linux", "amd64", ""
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		osName, arch, variant = opt.ImageOpt.Platform.OS, opt.ImageOpt.Platform.Architecture, opt.ImageOpt.Platform.Variant
	}
	cfg := map[string]any{
		"os": osName, "architecture": arch, "variant": variant,
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromString(ref).String()}},
		"config": map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	}
	dt, err := json.Marshal(cfg)
	return ref, "", dt, err
}

func firstLine(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[0].Start.Line
}

func lastLine(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1].End.Line
}

func str(s string) *string { return &s }

func describe(c instructions.Command, flags map[int][]string) command {
	loc := c.Location()
	out := command{
		Instruction: strings.ToUpper(c.Name()),
		Line:        firstLine(loc),
		EndLine:     lastLine(loc),
		Source:      fmt.Sprint(c),
		Flags:       flags[firstLine(loc)],
	}
	if withComments, ok := c.(interface{ Comments() []string }); ok {
		out.Comments = withComments.Comments()
	}
	shell := func(s instructions.ShellDependantCmdLine) {
		out.Args = s.CmdLine
		form := s.PrependShell
		out.ShellForm = &form
		for _, f := range s.Files {
			out.Heredocs = append(out.Heredocs, inline{Name: f.Name, Data: f.Data})
		}
	}
	pairs := func(p instructions.KeyValuePairs) {
		for _, e := range p {
			out.Pairs = append(out.Pairs, kv{Key: e.Key, Value: str(e.Value)})
		}
	}
	files := func(s instructions.SourcesAndDest) {
		out.Sources = s.SourcePaths
		out.Dest = s.DestPath
		for _, f := range s.SourceContents {
			out.Inline = append(out.Inline, inline{Name: f.Path, Data: f.Data})
		}
	}
	switch v := c.(type) {
	case *instructions.RunCommand:
		shell(v.ShellDependantCmdLine)
	case *instructions.CmdCommand:
		shell(v.ShellDependantCmdLine)
	case *instructions.EntrypointCommand:
		shell(v.ShellDependantCmdLine)
	case *instructions.ShellCommand:
		out.Args = v.Shell
	case *instructions.HealthCheckCommand:
		if v.Health != nil {
			out.Args = v.Health.Test
		}
	case *instructions.EnvCommand:
		pairs(v.Env)
	case *instructions.LabelCommand:
		pairs(v.Labels)
	case *instructions.ArgCommand:
		for _, a := range v.Args {
			out.Pairs = append(out.Pairs, kv{Key: a.Key, Value: a.Value})
		}
	case *instructions.CopyCommand:
		files(v.SourcesAndDest)
		out.From, out.Chown, out.Chmod = v.From, v.Chown, v.Chmod
	case *instructions.AddCommand:
		files(v.SourcesAndDest)
		out.Chown, out.Chmod, out.Checksum = v.Chown, v.Chmod, v.Checksum
	case *instructions.UserCommand:
		out.Value = v.User
	case *instructions.WorkdirCommand:
		out.Value = v.Path
	case *instructions.StopSignalCommand:
		out.Value = v.Signal
	case *instructions.ExposeCommand:
		out.Args = v.Ports
	case *instructions.VolumeCommand:
		out.Args = v.Volumes
	case *instructions.OnbuildCommand:
		out.Value = v.Expression
	case *instructions.MaintainerCommand:
		out.Value = v.Maintainer
	}
	return out
}

func locationError(err error) *check {
	out := &check{Rule: "BuildError", Message: err.Error()}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 {
		out.Line = firstLine(le.Locations[0])
	}
	return out
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/moby/buildkit" {
				return dep.Path + "@" + dep.Version
			}
		}
	}
	return "github.com/moby/buildkit@unknown"
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(version())
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-check <Dockerfile> (JSON on stdout)")
		os.Exit(2)
	}
	file := os.Args[1]
	dt, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := report{Parser: version(), File: file, MetaArgs: []kv{}, Stages: []stage{}, Checks: []check{}, Warnings: []string{}}
	emit := func() {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}

	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		out.Error = locationError(err)
		emit()
		return
	}
	for _, w := range res.Warnings {
		out.Warnings = append(out.Warnings, w.Short)
	}
	flags := map[int][]string{}
	for _, n := range res.AST.Children {
		flags[n.StartLine] = n.Flags
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		out.Error = locationError(err)
		emit()
		return
	}
	for _, a := range metaArgs {
		for _, p := range a.Args {
			out.MetaArgs = append(out.MetaArgs, kv{Key: p.Key, Value: p.Value})
		}
	}
	for i, s := range stages {
		st := stage{Index: i, Name: s.Name, Base: s.BaseName, Platform: s.Platform, Line: firstLine(s.Location),
			Source: s.SourceCode, Comments: s.Comments, Commands: []command{}}
		for _, c := range s.Commands {
			st.Commands = append(st.Commands, describe(c, flags))
		}
		out.Stages = append(out.Stages, st)
	}

	// BuildKit's build checks, as docker build --check runs them, for every stage.
	opt := dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{},
		MetaResolver: offlineResolver{},
		AllStages:    true,
		Warn: func(rule, description, url, msg string, location []parser.Range) {
			out.Checks = append(out.Checks, check{Rule: rule, Description: description, URL: url, Message: msg, Line: firstLine(location)})
		},
	}
	if _, err := dockerfile2llb.Dockerfile2Outline(context.Background(), dt, opt); err != nil {
		out.Error = locationError(err)
	}
	emit()
}
`;

const GO_MOD = 'module brainmesh.local/dockerfile-check\n\ngo 1.24\n';
const SOURCE_HASH = createHash('sha256')
  .update(BUILDKIT_VERSION)
  .update(GO_MOD)
  .update(GO_SOURCE)
  .digest('hex');

/** Builds (once) and returns the path of the dockerfile-check binary. */
export function ensureDockerfileCheck() {
  return ensureCachedBinary({
    dir: join(TOOLS_DIR, 'dockerfile-check', `${BUILDKIT_VERSION}-${SOURCE_HASH.slice(0, 12)}`),
    name: 'dockerfile-check',
    what: `dockerfile-check (BuildKit ${BUILDKIT_VERSION} Dockerfile parser)`,
    build: async (tmp) => {
      writeFileSync(join(tmp, 'go.mod'), GO_MOD);
      writeFileSync(join(tmp, 'main.go'), GO_SOURCE);
      await runGo(['get', `github.com/moby/buildkit@${BUILDKIT_VERSION}`], { cwd: tmp, label: 'go get' });
      await runGo(['mod', 'tidy'], { cwd: tmp, label: 'go mod tidy' });
      await runGo(['build', '-v', '-trimpath', '-ldflags=-s -w', '-o', 'dockerfile-check', '.'], {
        cwd: tmp,
        label: 'go build',
      });
    },
  });
}

/** Parses `file` with BuildKit: { Parser, Error, MetaArgs, Stages, Checks, Warnings }. */
export async function parseDockerfile(file) {
  const binary = await ensureDockerfileCheck();
  const result = spawnSync(binary, [file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new ToolError(`dockerfile-check: ${result.error.message}`);
  if (result.status !== 0) throw new ToolError(`dockerfile-check ${file}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout);
}

// ── rules ──────────────────────────────────────────────────────────────────────────────────────

const REQUIRED_LABELS = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.version',
  'org.opencontainers.image.created',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
];
const SECRET_NAME = /(^|_)(API_?)?KEY$|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_?KEY/i;
const SECRET_VALUE =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bnpm_[A-Za-z0-9]{30,}|\bAKIA[0-9A-Z]{16}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bsk-[A-Za-z0-9_-]{20,}/;
const SECRET_FILE =
  /^(\.env(\..+)?|\.npmrc|\.pypirc|\.netrc|credentials\.json|id_(rsa|dsa|ecdsa|ed25519)|.*\.(pem|key|p12|pfx|jks))$/i;
const NPM_INSTALL =
  /\bnpm\s+(ci|install|i|clean-install|install-clean|isntall)\b(?![^;&|]*\s(-g|--global)\b)/;
const NPM_OMITS_DEV = /--omit[= ]dev\b|--production\b|--only[= ]prod(uction)?\b/;

/** Expands $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt} with `vars` (unknown: ''). */
export function expand(text, vars) {
  const missing = [];
  const value = (text ?? '').replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced, op, word, bare) => {
      const name = braced ?? bare;
      const v = vars.get(name);
      const set = v !== undefined && v !== null;
      if (op === ':-') return set && v !== '' ? v : word;
      if (op === '-') return set ? v : word;
      if (op === ':+') return set && v !== '' ? word : '';
      if (op === '+') return set ? word : '';
      if (!set) missing.push(name);
      return set ? v : '';
    },
  );
  return { value, missing };
}

/** An image reference's parts: { name, tag, digest }. */
export function parseImageRef(ref) {
  const [nameTag, digest] = ref.split('@');
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  if (colon > slash) return { name: nameTag.slice(0, colon), tag: nameTag.slice(colon + 1), digest };
  return { name: nameTag, tag: undefined, digest };
}

/** A .dockerignore pattern as a RegExp over slash-separated paths relative to the context. */
function ignorePatternRegExp(pattern) {
  let p = pattern.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < p.length; i += 1) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      i += 1;
      if (p[i + 1] === '/') {
        re += '(?:.*/)?';
        i += 1;
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern matching a directory excludes everything below it.
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** True when `path` is excluded by the .dockerignore `patterns` (last match wins, `!` re-includes). */
export function dockerignored(patterns, path) {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = negate ? raw.slice(1).trim() : raw;
    if (pattern && ignorePatternRegExp(pattern).test(path)) ignored = !negate;
  }
  return ignored;
}

function readDockerignore(contextDir, dockerfile) {
  for (const name of [`${basename(dockerfile)}.dockerignore`, '.dockerignore']) {
    const file = join(contextDir, name);
    if (existsSync(file)) {
      const patterns = readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      return { file, patterns };
    }
  }
  return undefined;
}

/** The shell text of a RUN (shell form joined; heredoc bodies appended). */
function runText(cmd) {
  return [...(cmd.Args ?? []), ...(cmd.Heredocs ?? []).map((h) => h.Data)].join('\n');
}

/** Removes quoted strings so that `|` inside quotes is not mistaken for a pipe. */
function unquoted(text) {
  return text.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, '""');
}

/**
 * Applies the rules to a parsed Dockerfile. Returns findings { rule, line, message } sorted by line.
 * `contextDir` is where .dockerignore is looked for.
 */
export function lint(report, { file = 'Dockerfile', contextDir = dirname(file) } = {}) {
  const findings = [];
  const ignoredAt = new Map(); // line -> Set of rule ids silenced by a comment above it
  const noteIgnores = (line, comments) => {
    const ids = new Set();
    for (const c of comments ?? []) {
      const m = /(?:lint-ignore\s*=|hadolint\s+ignore\s*=)\s*([A-Za-z0-9_,\s-]+)/i.exec(c);
      if (m) for (const id of m[1].split(/[,\s]+/).filter(Boolean)) ids.add(id.toUpperCase());
    }
    ignoredAt.set(line, ids);
  };
  const add = (rule, line, message) => {
    if (ignoredAt.get(line)?.has(rule.toUpperCase())) return;
    findings.push({ rule, line, message });
  };

  if (report.Error) {
    add('BuildError', report.Error.Line, `BuildKit rejects this Dockerfile: ${report.Error.Message}`);
  }
  for (const w of report.Warnings ?? []) add('BuildKit', 0, w);
  for (const c of report.Checks ?? []) {
    add(`BK:${c.Rule}`, c.Line, `BuildKit check ${c.Rule}: ${c.Message} (${c.URL})`);
  }
  const stages = report.Stages ?? [];
  if (report.Error && stages.length === 0) return findings;
  if (stages.length === 0) {
    add('BuildError', 0, 'no FROM instruction: the Dockerfile has no stage to build');
    return findings;
  }

  const metaVars = new Map((report.MetaArgs ?? []).map((a) => [a.Key, a.Value]));
  for (const [k, v] of Object.entries({
    BUILDPLATFORM: 'linux/amd64',
    TARGETPLATFORM: 'linux/amd64',
    TARGETARCH: 'amd64',
    TARGETOS: 'linux',
    BUILDARCH: 'amd64',
    BUILDOS: 'linux',
  })) {
    if (!metaVars.has(k)) metaVars.set(k, v);
  }
  const byName = new Map();
  stages.forEach((s, i) => {
    noteIgnores(s.Line, s.Comments);
    for (const c of s.Commands) noteIgnores(c.Line, c.Comments);
    if (s.Name) byName.set(s.Name.toLowerCase(), i);
  });
  /** The index of the earlier stage `ref` names (by name or number), or undefined. */
  const stageRef = (ref, before) => {
    const key = String(ref).toLowerCase();
    const index = /^\d+$/.test(key) ? Number(key) : byName.get(key);
    return index !== undefined && index < before ? index : undefined;
  };
  const parentOf = stages.map((s, i) => stageRef(s.Base, i));
  /** The stage and its ancestors (FROM <stage>) oldest first. */
  const chain = (i) => {
    const out = [];
    for (let at = i; at !== undefined; at = parentOf[at]) out.unshift(at);
    return out;
  };
  const chainCommands = (i) =>
    chain(i).flatMap((at) => stages[at].Commands.map((c) => ({ ...c, stage: at })));

  const checkImage = (ref, line, what) => {
    const { value, missing } = expand(ref, metaVars);
    if (missing.length > 0) {
      add(
        'DL3006',
        line,
        `${what} ${ref}: build argument ${missing.join(', ')} has no default, so the image is not pinned`,
      );
      return;
    }
    if (value.toLowerCase() === 'scratch') return;
    const { tag, digest } = parseImageRef(value);
    if (!tag && !digest)
      add('DL3006', line, `${what} ${value}: pin the image to a version tag (name:1.2.3) or a digest`);
    else if (tag === 'latest')
      add(
        'DL3007',
        line,
        `${what} ${value}: never use the latest tag; pin a version (name:1.2.3) or a digest`,
      );
  };

  // Every stage.
  stages.forEach((s, i) => {
    if (parentOf[i] === undefined) checkImage(s.Base, s.Line, 'FROM');
    let shellPipefail = false;
    for (const c of s.Commands) {
      const at = c.Line;
      switch (c.Instruction) {
        case 'SHELL':
          shellPipefail = (c.Args ?? []).join(' ').includes('pipefail');
          break;
        case 'WORKDIR':
          if (!c.Value.startsWith('/') && !c.Value.startsWith('$')) {
            add('DL3000', at, `WORKDIR ${c.Value}: use an absolute path`);
          }
          break;
        case 'ADD': {
          const remote = (c.Sources ?? []).filter((src) => /^(https?|git):\/\/|^git@|\.git(#.*)?$/.test(src));
          if (remote.length < (c.Sources ?? []).length) {
            add(
              'DL3020',
              at,
              'ADD of local files or folders: use COPY (ADD also unpacks archives and fetches URLs)',
            );
          } else if (!c.Checksum && remote.some((src) => /^https?:\/\//.test(src))) {
            add('DL3020', at, `ADD ${remote.join(' ')}: pin remote content with --checksum=sha256:…`);
          }
        }
        // falls through: ADD copies files like COPY
        case 'COPY': {
          if (c.From !== undefined && c.From !== '' && stageRef(c.From, i) === undefined) {
            if (byName.has(String(c.From).toLowerCase()) || /^\d+$/.test(c.From)) {
              add('DL3022', at, `COPY --from=${c.From}: the stage must be defined before it is copied from`);
            } else {
              checkImage(c.From, at, 'COPY --from=');
            }
          }
          if (!c.From) {
            for (const src of c.Sources ?? []) {
              if (SECRET_FILE.test(basename(src))) {
                add(
                  'BM006',
                  at,
                  `${c.Instruction} ${src}: never copy secrets (keys, .env, .npmrc, credentials) into an image; use RUN --mount=type=secret`,
                );
              }
            }
          }
          break;
        }
        case 'RUN': {
          const text = runText(c);
          if (/(^|[\s;&|(])sudo\s/.test(text))
            add('DL3004', at, 'RUN uses sudo: build steps already run as root; drop sudo');
          if (/\bapt-get\s+(-\S+\s+)*install\b/.test(text)) {
            if (!/--no-install-recommends\b/.test(text)) {
              add('DL3015', at, 'apt-get install without --no-install-recommends pulls in unneeded packages');
            }
            if (!/\s(-y|--yes|-qq|--assume-yes)\b/.test(text)) {
              add('DL3014', at, 'apt-get install without -y waits for a confirmation that never comes');
            }
          }
          if (/\bapt-get\s+(-\S+\s+)*(update|install)\b/.test(text)) {
            const cached = (c.Flags ?? []).some(
              (f) => /type=cache/.test(f) && /\/var\/lib\/apt\/lists/.test(f),
            );
            if (!cached && !/rm\s+-(rf|fr|r)\s+\/var\/lib\/apt\/lists/.test(text)) {
              add(
                'DL3009',
                at,
                'apt-get leaves /var/lib/apt/lists in the layer: rm -rf /var/lib/apt/lists/* in the same RUN (or use a cache mount)',
              );
            }
          }
          if (
            c.ShellForm &&
            !(c.Heredocs ?? []).length &&
            /[^|]\|[^|]/.test(unquoted((c.Args ?? []).join(' ')))
          ) {
            if (!shellPipefail && !/set\s+-[a-z]*o\s+pipefail|set\s+-o\s+pipefail/.test(text)) {
              add(
                'DL4006',
                at,
                'RUN with a pipe: a failure before the last command is ignored; SHELL ["/bin/bash", "-o", "pipefail", "-c"] or set -o pipefail',
              );
            }
          }
          if (SECRET_VALUE.test(text))
            add(
              'BM002',
              at,
              'RUN contains what looks like a literal credential: use RUN --mount=type=secret',
            );
          break;
        }
        case 'ENV':
        case 'ARG':
          for (const p of c.Pairs ?? []) {
            if (SECRET_NAME.test(p.Key)) {
              add(
                'BM002',
                at,
                `${c.Instruction} ${p.Key}: secrets must not be set with ${c.Instruction} (they stay in the image config and history); use RUN --mount=type=secret or runtime environment`,
              );
            } else if (p.Value && SECRET_VALUE.test(p.Value)) {
              add(
                'BM002',
                at,
                `${c.Instruction} ${p.Key}: the value looks like a credential; never bake secrets into an image`,
              );
            }
          }
          break;
        case 'LABEL':
          for (const p of c.Pairs ?? []) {
            if (p.Value && SECRET_VALUE.test(p.Value))
              add('BM002', at, `LABEL ${p.Key}: the value looks like a credential`);
          }
          break;
        case 'CMD':
        case 'ENTRYPOINT':
          if (c.ShellForm) {
            add(
              'DL3025',
              at,
              `${c.Instruction} in shell form: use the exec (JSON) form, e.g. ${c.Instruction} ["node", "main.js"], so signals reach the process`,
            );
          }
          break;
        default:
      }
    }
  });

  // The final stage (the image that is shipped), with what it inherits from earlier stages.
  const last = stages.length - 1;
  const final = stages[last];
  const commands = chainCommands(last);
  const lastOf = (instruction) => commands.filter((c) => c.Instruction === instruction).at(-1);
  const vars = new Map(metaVars);
  for (const c of commands) {
    if (c.Instruction === 'ARG' || c.Instruction === 'ENV') {
      for (const p of c.Pairs ?? []) vars.set(p.Key, p.Value ?? metaVars.get(p.Key) ?? null);
    }
  }

  const user = lastOf('USER');
  if (!user) {
    add(
      'BM001',
      final.Line,
      `final stage${final.Name ? ` "${final.Name}"` : ''} has no USER: it would run as root; add USER 10001:10001 (numeric uid:gid, non-root)`,
    );
  } else {
    const value = expand(user.Value, vars).value;
    const [uid, gid] = value.split(':');
    if (uid === 'root' || uid === '0' || gid === '0' || gid === 'root') {
      add('DL3002', user.Line, `USER ${user.Value}: the final image must not run as root`);
    } else if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) {
      add(
        'BM001',
        user.Line,
        `USER ${user.Value}: use a numeric uid:gid (e.g. 10001:10001) so Kubernetes runAsNonRoot can verify it`,
      );
    }
  }
  const runAs = lastOf('ENTRYPOINT') ?? lastOf('CMD');
  if (!runAs)
    add('BM007', final.Line, 'final stage defines neither ENTRYPOINT nor CMD: say what the image runs');
  else if (user && user.Line > runAs.Line && user.stage === runAs.stage) {
    // Effective either way, but keep USER with the other runtime settings, before ENTRYPOINT/CMD.
    add(
      'BM001',
      user.Line,
      `USER comes after ${runAs.Instruction}: set the runtime user before ${runAs.Instruction}`,
    );
  }
  const stop = lastOf('STOPSIGNAL');
  if (!stop)
    add(
      'BM003',
      final.Line,
      'final stage has no STOPSIGNAL: declare the signal that stops the process gracefully (STOPSIGNAL SIGTERM)',
    );
  else if (!/^(SIG[A-Z0-9+-]+|\d+)$/.test(expand(stop.Value, vars).value)) {
    add('BM003', stop.Line, `STOPSIGNAL ${stop.Value}: not a signal name (SIGTERM) or number`);
  }
  const labels = new Set(
    commands.filter((c) => c.Instruction === 'LABEL').flatMap((c) => (c.Pairs ?? []).map((p) => p.Key)),
  );
  const missingLabels = REQUIRED_LABELS.filter((l) => !labels.has(l));
  if (missingLabels.length > 0) {
    add('BM004', final.Line, `final stage lacks OCI labels: ${missingLabels.join(', ')}`);
  }
  const root = chain(last)[0];
  const baseImage = expand(stages[root].Base, metaVars).value;
  if (/(^|\/)node(js)?[^/]*:/.test(baseImage) || /distroless\/nodejs/.test(baseImage)) {
    if (expand('$NODE_ENV', vars).value !== 'production') {
      add('BM005', final.Line, 'Node.js image without ENV NODE_ENV=production in the final stage');
    }
  }

  // node_modules shipped in the final image must come from an install that omits dev dependencies:
  // installs in the final stage (and the stages it is built FROM), and installs in other stages
  // whose node_modules directory the final stage copies (COPY --from=stage /app/ or …/node_modules).
  const normalize = (p) => (p.startsWith('/') ? p : `/${p}`).replace(/\/+$/, '').replace(/\/\.$/, '') || '/';
  /** npm install/ci RUNs of a stage chain with the directory they ran in. */
  const installs = (at) => {
    let cwd = '/';
    const out = [];
    const runs = chainCommands(at);
    runs.forEach((c, k) => {
      if (c.Instruction === 'WORKDIR')
        cwd = normalize(c.Value.startsWith('/') ? c.Value : `${cwd}/${c.Value}`);
      if (c.Instruction !== 'RUN') return;
      const text = runText(c);
      if (!NPM_INSTALL.test(text) || NPM_OMITS_DEV.test(text)) return;
      const pruned = runs
        .slice(k + 1)
        .some(
          (r) =>
            r.Instruction === 'RUN' && /\bnpm\s+prune\b/.test(runText(r)) && NPM_OMITS_DEV.test(runText(r)),
        );
      if (!pruned) out.push({ command: c, modules: normalize(`${cwd}/node_modules`) });
    });
    return out;
  };
  const devInstalls = new Map();
  for (const i of installs(last)) devInstalls.set(i.command.Line, i.command);
  for (const c of commands) {
    if (c.Instruction !== 'COPY' || !c.From) continue;
    const from = stageRef(c.From, last + 1);
    if (from === undefined) continue;
    for (const i of installs(from)) {
      const shipped = (c.Sources ?? []).some((src) => {
        const s = normalize(expand(src, vars).value);
        return s.includes('node_modules') || s === '/' || i.modules.startsWith(`${s}/`);
      });
      if (shipped) devInstalls.set(i.command.Line, i.command);
    }
  }
  for (const c of devInstalls.values()) {
    add(
      'BM005',
      c.Line,
      `npm install/ci without --omit=dev in stage "${stages[c.stage].Name || c.stage}", whose node_modules end up in the final image`,
    );
  }

  // A COPY of the whole context needs a .dockerignore that keeps VCS data, dependencies and secrets out.
  const copiesContext = stages.some((s) =>
    s.Commands.some(
      (c) =>
        (c.Instruction === 'COPY' || c.Instruction === 'ADD') &&
        !c.From &&
        (c.Sources ?? []).some((src) => ['.', './', '*', '/'].includes(src)),
    ),
  );
  const bindsContext = stages.some((s) =>
    s.Commands.some(
      (c) =>
        c.Instruction === 'RUN' &&
        (c.Flags ?? []).some((f) => /type=bind/.test(f) && !/from=/.test(f) && !/source=/.test(f)),
    ),
  );
  if (copiesContext || bindsContext) {
    const ignore = readDockerignore(contextDir, file);
    if (!ignore) {
      add(
        'BM008',
        0,
        `the whole build context is copied but ${join(contextDir, '.dockerignore')} does not exist: exclude .git, node_modules, .env and other secrets`,
      );
    } else {
      const mustExclude = ['.git', 'node_modules', 'libs/x/node_modules', '.env', '.npmrc'];
      const leaks = mustExclude.filter((p) => !dockerignored(ignore.patterns, p));
      if (leaks.length > 0) {
        add(
          'BM008',
          0,
          `${relative(process.cwd(), ignore.file) || ignore.file} does not exclude ${leaks.map((l) => (l.includes('/x/') ? '**/node_modules' : l)).join(', ')}`,
        );
      }
    }
  }

  return findings.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

/** Parses and lints one Dockerfile: { file, ok, findings, report }. */
export async function checkDockerfile(file, options = {}) {
  const report = await parseDockerfile(file);
  const findings = lint(report, { file, contextDir: options.contextDir ?? dirname(resolve(file)) });
  return { file, ok: findings.length === 0, findings, report };
}

async function main(argv) {
  const args = [...argv];
  const flag = (name) => {
    const i = args.indexOf(name);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const option = (name) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
  };
  if (flag('--help') || flag('-h')) {
    process.stdout.write(
      'usage: node tools/deploy/dockerfile-lint.mjs [--ensure] [--json] [--context DIR] [Dockerfile…]\n',
    );
    return 0;
  }
  if (flag('--ensure')) {
    process.stdout.write(`${await ensureDockerfileCheck()}\n`);
    return 0;
  }
  const json = flag('--json');
  const contextDir = option('--context');
  const files = args.length > 0 ? args : ['Dockerfile'];
  let failed = false;
  const results = [];
  for (const file of files) {
    const started = Date.now();
    const result = await checkDockerfile(file, { contextDir: contextDir && resolve(contextDir) });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    results.push(result);
    if (!result.ok) failed = true;
    if (json) continue;
    for (const f of result.findings) process.stdout.write(`${file}:${f.line} ${f.rule} ${f.message}\n`);
    const stages = result.report.Stages.length;
    const instructions = result.report.Stages.reduce((n, s) => n + 1 + s.Commands.length, 0);
    say(
      `${file}: ${result.ok ? 'OK' : `${result.findings.length} problem(s)`} ` +
        `(${stages} stages, ${instructions} instructions; parsed by ${result.report.Parser}; ${seconds} s)`,
    );
  }
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        results.map(({ file, ok, findings, report }) => ({
          file,
          ok,
          findings,
          parser: report.Parser,
          stages: report.Stages,
        })),
        null,
        2,
      )}\n`,
    );
  }
  return failed ? 1 : 0;
}

runAsScript(import.meta.url, main, (err) => {
  say(err instanceof ToolError ? err.message : (err?.stack ?? String(err)));
  return 2;
});

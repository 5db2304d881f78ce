#!/usr/bin/env node
// Generates, from charts/brainmesh/values.yaml (the single source of every default and description):
//   - charts/brainmesh/values.schema.json          (the umbrella: every key, services included)
//   - charts/brainmesh/charts/<service>/values.yaml  (the service section plus `global`, for the subchart)
//   - charts/brainmesh/charts/<service>/values.schema.json
//
// Types come from the defaults (string, integer, number, boolean, object, array); a mapping with keys is closed
// (`additionalProperties: false`), an empty one (`{}`) is free-form; well-known Kubernetes fields (resources,
// affinity, tolerations, ...) get their shape by name; `# @schema {json}` lines refine a key.
//
// Usage: node scripts/gen-schema.mjs [--check]   (--check: fail when a generated file is out of date)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseValues, sectionText } from './lib/values.mjs';

const chartDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVICES = ['gateway', 'auth', 'ai-routing', 'knowledge', 'orchestrator', 'analytics'];
const DRAFT = 'http://json-schema.org/draft-07/schema#';

const quantity = { type: ['string', 'number'] };
const resourceList = { type: 'object', additionalProperties: quantity };
/** Shapes of well-known Kubernetes fields, by key name (they win over the inferred shape). */
const KNOWN = {
  resources: {
    type: 'object',
    additionalProperties: false,
    properties: {
      requests: resourceList,
      limits: resourceList,
      claims: { type: 'array', items: { type: 'object' } },
    },
  },
  affinity: {
    type: 'object',
    additionalProperties: false,
    properties: {
      nodeAffinity: { type: 'object' },
      podAffinity: { type: 'object' },
      podAntiAffinity: { type: 'object' },
    },
  },
  tolerations: { type: 'array', items: { type: 'object' } },
  topologySpreadConstraints: {
    type: 'array',
    items: { type: 'object', required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
  },
  extraEnv: { type: 'array', items: { type: 'object', required: ['name'] } },
  extraEnvFrom: { type: 'array', items: { type: 'object' } },
  extraVolumes: { type: 'array', items: { type: 'object', required: ['name'] } },
  extraVolumeMounts: { type: 'array', items: { type: 'object', required: ['name', 'mountPath'] } },
  extraIngress: { type: 'array', items: { type: 'object' } },
  extraEgress: { type: 'array', items: { type: 'object' } },
  behavior: {
    type: 'object',
    additionalProperties: false,
    properties: { scaleUp: { type: 'object' }, scaleDown: { type: 'object' } },
  },
  timeouts: {
    type: 'object',
    additionalProperties: false,
    properties: { request: { type: 'string' }, backendRequest: { type: 'string' } },
  },
  ports: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: ['integer', 'string'] },
        endPort: { type: 'integer' },
        protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
      },
    },
  },
};
const PEER_LISTS = new Set(['to', 'publicIngressFrom', 'metricsFrom', 'cnpgOperatorFrom']);
const peer = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ipBlock: {
      type: 'object',
      required: ['cidr'],
      additionalProperties: false,
      properties: { cidr: { type: 'string' }, except: { type: 'array', items: { type: 'string' } } },
    },
    namespaceSelector: { type: 'object' },
    podSelector: { type: 'object' },
  },
};

function scalarType(v) {
  if (v === null) return undefined;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return 'string';
}

function schemaOf(node, key, meta = {}) {
  let s;
  if (KNOWN[key] && node.kind !== 'scalar') {
    s = structuredClone(KNOWN[key]);
  } else if (PEER_LISTS.has(key) && node.kind === 'seq') {
    s = { type: 'array', items: structuredClone(peer) };
  } else if (node.kind === 'map') {
    if (node.entries.length === 0) s = { type: 'object' };
    else {
      s = { type: 'object', additionalProperties: false, properties: {} };
      for (const e of node.entries) s.properties[e.key] = schemaOf(e.value, e.key, e.meta);
      // Defaults always fill these in; a key can only go missing when set to null, which the chart cannot use.
      const required = node.entries.filter((e) => !(e.value.kind === 'scalar' && e.value.value === null));
      if (required.length) s.required = required.map((e) => e.key);
    }
  } else if (node.kind === 'seq') {
    s = { type: 'array' };
    const first = node.items[0];
    if (first?.kind === 'scalar' && scalarType(first.value)) s.items = { type: scalarType(first.value) };
    else if (first) s.items = { type: first.kind === 'seq' ? 'array' : 'object' };
  } else {
    s = {};
    const t = scalarType(node.value);
    if (t) s.type = t;
  }
  if (meta.description) s.description = meta.description;
  if (meta.schema) Object.assign(s, meta.schema);
  // An enum of strings already fixes the type; keep both consistent for readers.
  if (s.enum && s.type === 'string' && !s.enum.every((v) => typeof v === 'string')) delete s.type;
  return s;
}

function serviceSchema(sectionEntry) {
  const s = schemaOf(sectionEntry.value, sectionEntry.key, sectionEntry.meta);
  s.properties.global = {
    type: 'object',
    description: 'Values shared with the umbrella chart (see its `global`)',
  };
  s.properties.common = {
    type: 'object',
    description: 'Values of the library chart when built standalone (unused)',
  };
  return s;
}

export function generate() {
  const valuesFile = path.join(chartDir, 'values.yaml');
  const text = fs.readFileSync(valuesFile, 'utf8');
  const root = parseValues(text, valuesFile);
  const out = new Map();

  const umbrella = {
    $schema: DRAFT,
    title: 'brainmesh umbrella chart values',
    ...schemaOf(root, ''),
  };
  for (const svc of SERVICES) {
    const e = root.entries.find((x) => x.key === svc);
    if (!e) throw new Error(`values.yaml has no section "${svc}"`);
    umbrella.properties[svc] = serviceSchema(e);
  }
  umbrella.properties.common = { type: 'object', description: 'Values of the library chart (unused)' };
  out.set(path.join(chartDir, 'values.schema.json'), JSON.stringify(umbrella, null, 2) + '\n');

  const globalText = sectionText(text, 'global');
  for (const svc of SERVICES) {
    const e = root.entries.find((x) => x.key === svc);
    const schema = { $schema: DRAFT, title: `brainmesh ${svc} values`, ...serviceSchema(e) };
    const sub = path.join(chartDir, 'charts', svc);
    out.set(path.join(sub, 'values.schema.json'), JSON.stringify(schema, null, 2) + '\n');
    const body = sectionText(text, svc);
    const indentedGlobal = globalText
      .split('\n')
      .map((l) => (l === '' ? l : `  ${l}`))
      .join('\n');
    out.set(
      path.join(sub, 'values.yaml'),
      [
        `# GENERATED from ../../values.yaml (section "${svc}" and "global") by scripts/gen-schema.mjs: edit there.`,
        `# Inside the umbrella chart the umbrella's values win; these defaults matter only for this chart alone.`,
        '',
        body.trimEnd(),
        '',
        'global:',
        indentedGlobal.trimEnd(),
        '',
      ].join('\n'),
    );
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of generate()) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === content) continue;
    if (check) {
      console.error(`out of date: ${path.relative(chartDir, file)}`);
      stale++;
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`wrote ${path.relative(chartDir, file)}`);
    }
  }
  if (stale) {
    console.error('run: node charts/brainmesh/scripts/gen-schema.mjs');
    process.exit(1);
  }
}

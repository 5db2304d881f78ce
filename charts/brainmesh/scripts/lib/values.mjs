// A small YAML reader for the chart's values files (no dependencies), keeping the helm-docs comments.
//
// Supported (what the values files use): block mappings and sequences, `- key: value` items, plain, single- and
// double-quoted scalars, flow collections (`{}`, `[]`, `[a, b]`, `{a: b}`), full-line comments. Not supported:
// anchors, tags, block scalars (`|`, `>`), multi-document files, comments after a value.
//
// Each mapping entry keeps the comment block right above it:
//   # -- description            (helm-docs: starts the description; later `#` lines continue it)
//   # (type) description        (helm-docs: `# -- (type) text` overrides the type shown in the README)
//   # @default -- text          (helm-docs: the default shown in the README)
//   # @schema {json}            (ours: merged into the key's JSON schema)

export class ValuesSyntaxError extends Error {}

/** Parses a values file into a tree: {kind: 'map'|'seq'|'scalar', ...}. */
export function parseValues(text, file = 'values.yaml') {
  const lines = [];
  let comments = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') {
      comments = [];
      return;
    }
    const indent = line.length - line.trimStart().length;
    const content = line.trimStart();
    if (content.startsWith('#')) {
      comments.push(content);
      return;
    }
    if (raw.includes('\t')) throw new ValuesSyntaxError(`${file}:${i + 1}: tabs are not allowed`);
    lines.push({ indent, content, no: i + 1, comments });
    comments = [];
  });
  let pos = 0;
  const fail = (msg, l = lines[pos]) => {
    throw new ValuesSyntaxError(`${file}:${l ? l.no : 'EOF'}: ${msg}`);
  };

  function parseBlock(indent) {
    const first = lines[pos];
    if (!first) fail('unexpected end of file');
    if (first.content === '-' || first.content.startsWith('- ')) return parseSeq(first.indent);
    return parseMap(first.indent);
  }

  function parseMap(indent) {
    const node = { kind: 'map', entries: [] };
    while (pos < lines.length && lines[pos].indent === indent && !isSeqItem(lines[pos].content)) {
      const l = lines[pos];
      const { key, rest } = splitKey(l.content, fail);
      if (node.entries.some((e) => e.key === key)) fail(`duplicate key "${key}"`);
      pos++;
      let value;
      if (rest === '') {
        const next = lines[pos];
        if (next && next.indent > indent) value = parseBlock(next.indent);
        else if (next && next.indent === indent && isSeqItem(next.content)) value = parseSeq(indent);
        else value = { kind: 'scalar', value: null };
      } else {
        value = parseInline(rest, (m) => fail(m, l));
      }
      node.entries.push({ key, value, meta: parseComments(l.comments), line: l.no });
    }
    if (pos < lines.length && lines[pos].indent > indent) fail('bad indentation');
    return node;
  }

  function parseSeq(indent) {
    const node = { kind: 'seq', items: [] };
    while (pos < lines.length && lines[pos].indent === indent && isSeqItem(lines[pos].content)) {
      const l = lines[pos];
      const rest = l.content === '-' ? '' : l.content.slice(2).trimStart();
      if (rest === '') {
        pos++;
        node.items.push(parseBlock(lines[pos].indent));
      } else if (looksLikeKey(rest)) {
        // `- key: value` starts a mapping whose keys sit at the column after "- ".
        const col = indent + (l.content.length - rest.length);
        lines[pos] = { ...l, indent: col, content: rest, comments: [] };
        node.items.push(parseMap(col));
      } else {
        pos++;
        node.items.push(parseInline(rest, (m) => fail(m, l)));
      }
    }
    return node;
  }

  const root = lines.length ? parseBlock(lines[0].indent) : { kind: 'map', entries: [] };
  if (pos < lines.length) fail('unexpected content');
  return root;
}

const isSeqItem = (c) => c === '-' || c.startsWith('- ');

function looksLikeKey(s) {
  if (s.startsWith('{') || s.startsWith('[')) return false;
  if (s.startsWith('"') || s.startsWith("'")) {
    const q = s[0];
    const end = s.indexOf(q, 1);
    return end > 0 && /^:(\s|$)/.test(s.slice(end + 1));
  }
  return /^[^\s:#][^:#]*?:(\s|$)/.test(s);
}

function splitKey(content, fail) {
  let key;
  let rest;
  if (content.startsWith('"') || content.startsWith("'")) {
    const q = content[0];
    const end = content.indexOf(q, 1);
    if (end < 0) fail('unterminated quoted key');
    key = content.slice(1, end);
    rest = content.slice(end + 1);
    if (!rest.startsWith(':')) fail('expected ":" after key');
    rest = rest.slice(1);
  } else {
    const m = /^([^:]+?):(\s|$)(.*)$/.exec(content);
    if (!m) fail(`expected "key: value", got "${content}"`);
    key = m[1];
    rest = m[3];
  }
  return { key, rest: rest.trim() };
}

function parseInline(text, fail) {
  const p = { s: text, i: 0 };
  const v = parseFlowValue(p, fail, false);
  skipWs(p);
  if (p.i !== p.s.length) fail(`unexpected "${p.s.slice(p.i)}"`);
  return v;
}

function skipWs(p) {
  while (p.i < p.s.length && p.s[p.i] === ' ') p.i++;
}

function parseFlowValue(p, fail, inFlow) {
  skipWs(p);
  const c = p.s[p.i];
  if (c === '{') {
    p.i++;
    const node = { kind: 'map', entries: [] };
    skipWs(p);
    if (p.s[p.i] === '}') {
      p.i++;
      return node;
    }
    for (;;) {
      skipWs(p);
      const k = parseFlowScalar(p, fail, true);
      skipWs(p);
      if (p.s[p.i] !== ':') fail('expected ":" in flow mapping');
      p.i++;
      const v = parseFlowValue(p, fail, true);
      node.entries.push({ key: String(k.value), value: v, meta: {} });
      skipWs(p);
      if (p.s[p.i] === ',') {
        p.i++;
        continue;
      }
      if (p.s[p.i] === '}') {
        p.i++;
        return node;
      }
      fail('expected "," or "}"');
    }
  }
  if (c === '[') {
    p.i++;
    const node = { kind: 'seq', items: [] };
    skipWs(p);
    if (p.s[p.i] === ']') {
      p.i++;
      return node;
    }
    for (;;) {
      node.items.push(parseFlowValue(p, fail, true));
      skipWs(p);
      if (p.s[p.i] === ',') {
        p.i++;
        continue;
      }
      if (p.s[p.i] === ']') {
        p.i++;
        return node;
      }
      fail('expected "," or "]"');
    }
  }
  return parseFlowScalar(p, fail, inFlow);
}

function parseFlowScalar(p, fail, inFlow) {
  const c = p.s[p.i];
  if (c === '"') {
    let j = p.i + 1;
    while (j < p.s.length && p.s[j] !== '"') j += p.s[j] === '\\' ? 2 : 1;
    if (j >= p.s.length) fail('unterminated string');
    const raw = p.s.slice(p.i, j + 1);
    p.i = j + 1;
    return { kind: 'scalar', value: JSON.parse(raw), quoted: true };
  }
  if (c === "'") {
    let j = p.i + 1;
    let out = '';
    for (;;) {
      if (j >= p.s.length) fail('unterminated string');
      if (p.s[j] === "'") {
        if (p.s[j + 1] === "'") {
          out += "'";
          j += 2;
          continue;
        }
        break;
      }
      out += p.s[j++];
    }
    p.i = j + 1;
    return { kind: 'scalar', value: out, quoted: true };
  }
  const stop = inFlow ? /[,\]}]|:(\s|$)/ : /$^/;
  let j = p.i;
  while (j < p.s.length) {
    const rest = p.s.slice(j);
    if (inFlow && (stop.exec(rest)?.index ?? -1) === 0) break;
    if (rest.startsWith(' #')) fail('comments after a value are not supported');
    j++;
  }
  const raw = p.s.slice(p.i, j).trim();
  p.i = j;
  return { kind: 'scalar', value: plainScalar(raw) };
}

function plainScalar(raw) {
  if (raw === '' || raw === '~' || raw === 'null') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(raw)) return Number(raw);
  if (/^[-+]?([0-9]*\.[0-9]+|[0-9]+\.)([eE][-+]?[0-9]+)?$/.test(raw)) return Number(raw);
  return raw;
}

function parseComments(lines) {
  const meta = {};
  const start = lines.findLastIndex((l) => /^#\s*--(\s|$)/.test(l));
  if (start < 0) {
    const schema = lines.filter((l) => /^#\s*@schema\s/.test(l));
    if (schema.length) meta.schema = schemaOf(schema);
    return meta;
  }
  const desc = [];
  const schema = [];
  lines.slice(start).forEach((l, i) => {
    let body = l.replace(/^#\s?/, '');
    if (i === 0) body = body.replace(/^\s*--\s?/, '');
    if (/^\s*@schema\s/.test(body)) schema.push(l);
    else if (/^\s*@default\s+--\s*/.test(body)) meta.default = body.replace(/^\s*@default\s+--\s*/, '');
    else desc.push(body.trim());
  });
  let description = desc.join(' ').trim();
  const typed = /^\((\w[\w|/ ]*)\)\s*(.*)$/.exec(description);
  if (typed) {
    meta.type = typed[1];
    description = typed[2];
  }
  meta.description = description;
  if (schema.length) meta.schema = schemaOf(schema);
  return meta;
}

function schemaOf(lines) {
  return Object.assign(
    {},
    ...lines.map((l) => {
      const json = l.replace(/^#\s*@schema\s+/, '');
      try {
        return JSON.parse(json);
      } catch (err) {
        throw new ValuesSyntaxError(`bad @schema JSON: ${json} (${err.message})`);
      }
    }),
  );
}

/** The plain JavaScript value of a node. */
export function toPlain(node) {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
}

/** The entry of a mapping node by key. */
export function entry(node, key) {
  return node.kind === 'map' ? node.entries.find((e) => e.key === key) : undefined;
}

/** True when the node or one of its descendants carries a `# --` description. */
export function hasDocumentedDescendant(node) {
  if (node.kind !== 'map') return false;
  return node.entries.some((e) => e.meta.description !== undefined || hasDocumentedDescendant(e.value));
}

/**
 * Extracts the text of a top-level section (`key:` and its indented body) from a values file, de-indented, with
 * the comment lines inside it; used to copy a service section into its subchart.
 */
export function sectionText(text, key) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `${key}:`);
  if (start < 0) return undefined;
  const body = [];
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l !== '' && !l.startsWith(' ') && !l.startsWith('#')) break;
    if (l.startsWith('#') && !l.startsWith('  ')) break;
    body.push(l);
  }
  while (body.length && body.at(-1).trim() === '') body.pop();
  return body.map((l) => l.replace(/^ {2}/, '')).join('\n') + '\n';
}

/** Small, allocation-light helpers shared by the wire formats. */

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Number of whitespace-separated words: the mock's "token" count. */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/**
 * Text of a message content: a string as is; an array of parts/blocks → the `text` of its text
 * parts, and (Anthropic) the text of nested `tool_result` contents, joined by a space.
 */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'tool_result') texts.push(textOf(part.content));
  }
  return texts.join(' ');
}

/** Splits a reply into stream deltas: words, each but the first with its leading whitespace. */
export function splitWords(text: string): string[] {
  const parts = text.match(/\s*\S+/g);
  return parts ?? (text ? [text] : []);
}

/** The first `maxWords` words of `text` (with their spacing), and whether it was cut. */
export function truncateWords(text: string, maxWords: number | undefined): { text: string; cut: boolean } {
  if (maxWords === undefined || !Number.isFinite(maxWords)) return { text, cut: false };
  const words = splitWords(text);
  if (words.length <= maxWords) return { text, cut: false };
  return { text: words.slice(0, Math.max(0, maxWords)).join(''), cut: true };
}

/** Splits a string into `size`-character pieces (tool call argument fragments). */
export function splitFixed(text: string, size: number): string[] {
  if (text.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * A plausible value satisfying a JSON schema (const/enum/default first, then by `type`; objects
 * get every declared property). Used for tool call arguments and `json_schema` replies.
 */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return depth === 0 ? {} : null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const alternatives = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const first = alternatives.find((s) => !(isRecord(s) && s.type === 'null')) ?? alternatives[0];
    return sampleFromSchema(first, depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined && isRecord(schema.properties)) type = 'object';
  switch (type) {
    case 'object': {
      const out: Json = {};
      if (isRecord(schema.properties)) {
        for (const [key, sub] of Object.entries(schema.properties))
          out[key] = sampleFromSchema(sub, depth + 1);
      }
      return out;
    }
    case 'array':
      return schema.items === undefined ? [] : [sampleFromSchema(schema.items, depth + 1)];
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      if (schema.format === 'date') return '2024-01-01';
      return 'mock';
    default:
      return depth === 0 ? {} : 'mock';
  }
}

let idCounter = 0;
/** A short, unique-per-process id suffix (base 36 counter, zero-padded), for response/tool ids. */
export function nextId(width = 24): string {
  idCounter++;
  return idCounter.toString(36).padStart(width, '0');
}

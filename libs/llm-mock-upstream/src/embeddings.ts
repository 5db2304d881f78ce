import { countWords } from './content';

/** FNV-1a 32-bit hash of a string (the seed of its vector). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A deterministic unit-length vector for `text`: the same text always yields the same vector,
 * different texts yield (pseudo-random) different ones. Values are float32, like OpenAI's.
 */
export function deterministicEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let state = fnv1a(text) || 1;
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const x = r * 2 - 1;
    vector[i] = x;
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] *= scale;
  return vector;
}

/** OpenAI's `base64` encoding of an embedding: the little-endian float32 bytes. */
export function embeddingToBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (isLittleEndian) return bytes.toString('base64');
  const le = Buffer.alloc(vector.byteLength);
  for (let i = 0; i < vector.length; i++) le.writeFloatLE(vector[i], i * 4);
  return le.toString('base64');
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The inputs of an embeddings request as strings to hash, with their "token" counts; undefined
 * when `input` has none of OpenAI's accepted shapes (string, string[], number[], number[][]).
 */
export function embeddingInputs(input: unknown): Array<{ key: string; tokens: number }> | undefined {
  if (typeof input === 'string') return [{ key: input, tokens: countWords(input) }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((x) => typeof x === 'number')) return [{ key: input.join(','), tokens: input.length }];
  const out: Array<{ key: string; tokens: number }> = [];
  for (const item of input) {
    if (typeof item === 'string') out.push({ key: item, tokens: countWords(item) });
    else if (Array.isArray(item) && item.every((x) => typeof x === 'number'))
      out.push({ key: item.join(','), tokens: item.length });
    else return undefined;
  }
  return out;
}

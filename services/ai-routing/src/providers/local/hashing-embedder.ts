/**
 * The local provider's text embedding: signed feature hashing ("hashing trick") of lower-cased
 * word unigrams, word bigrams and character trigrams, with sublinear term frequency and L2
 * normalisation. Deterministic, dependency-free and offline; lexical (texts that share words or
 * word parts score close), not semantic (synonyms and paraphrases do not).
 *
 * Features:
 * - word unigrams, weight 1 (English stop words 0.2);
 * - word bigrams, weight 0.7 (0.2 when both words are stop words): word order and phrases;
 * - character trigrams of each non-stop word of 4+ chars, padded with word boundaries, weight
 *   0.3: robustness to inflection and typos (`routing` / `routes` / `router` share `^ro`, `rou`).
 * Han, Hiragana and Katakana characters are words of their own (no spaces in those scripts), so
 * their bigrams are character bigrams, the usual unit for CJK retrieval.
 *
 * Each feature is hashed with FNV-1a (32-bit, a different seed per feature kind) and murmur3's
 * finaliser; bit 0 chooses the sign, the remaining bits the dimension. A feature's value is
 * weight × (1 + ln tf). The sign makes collisions cancel out on average instead of adding up.
 *
 * Speed (measured on the shared, loaded 2-core x64 dev VM, Node 20): a 12-word question at 384
 * dimensions takes ~8 µs in plain Node (~14 µs inside Jest's sandbox), 1,000 chars of prose ~70 µs.
 */

/** Dimensions of `local-embed` when the request does not ask for others. */
export const DEFAULT_DIMENSIONS = 384;
/** The most dimensions a request may ask for. */
export const MAX_DIMENSIONS = 4096;

const UNIGRAM_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x1b873593;
const TRIGRAM_SEED = 0xcc9e2d51;
const RAW_SEED = 0x85ebca6b;

const UNIGRAM_WEIGHT = 1;
const STOP_UNIGRAM_WEIGHT = 0.2;
const BIGRAM_WEIGHT = 0.7;
const STOP_BIGRAM_WEIGHT = 0.2;
const TRIGRAM_WEIGHT = 0.3;
const TRIGRAM_MIN_WORD_LENGTH = 4;

/** Common English function words: they carry little meaning, so they weigh less. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself yourselves s t d ll m re ve please ' +
    'tell give explain describe'
  ).split(' '),
);

const BOUNDARY = 0x5e; // '^', pads words for trigrams
const IS_CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const IS_WORD = /[\p{L}\p{N}\p{M}]/u;

/**
 * Splits `text` into lower-cased words: runs of letters, digits and marks (ASCII fast path); each
 * Han/Hiragana/Katakana character is a word by itself.
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    let word: boolean;
    if (c < 0x80) {
      word = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    } else {
      // Whole code point (surrogate pairs: CJK extensions, emoji).
      const cp = lower.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      if (IS_CJK.test(ch)) {
        if (start >= 0) out.push(lower.slice(start, i));
        start = -1;
        out.push(ch);
        i += ch.length - 1;
        continue;
      }
      word = IS_WORD.test(ch);
      if (ch.length === 2) {
        if (word && start < 0) start = i;
        if (!word && start >= 0) {
          out.push(lower.slice(start, i));
          start = -1;
        }
        i++;
        continue;
      }
    }
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(lower.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(lower.slice(start));
  return out;
}

/*
 * 32-bit multiplications are written out instead of calling Math.imul: identical results, and
 * builtin calls are ~40x slower than plain arithmetic when the code runs inside a vm context
 * (Jest's sandbox), which made embeddings 10x slower under test than in production.
 */

/** `h * 16777619` (the FNV prime) modulo 2^32, as shifts and adds. */
function fnvStep(h: number, code: number): number {
  h ^= code;
  return (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) | 0;
}

function fnv1a(seed: number, text: string): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = fnvStep(h, text.charCodeAt(i));
  return h >>> 0;
}

/** `a * b` modulo 2^32 (a signed 32-bit result, like Math.imul). */
function mul32(a: number, b: number): number {
  return ((a & 0xffff) * b + ((((a >>> 16) * b) & 0xffff) << 16)) | 0;
}

/** murmur3's 32-bit finaliser: spreads FNV's weak low bits before they pick sign and bucket. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = mul32(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul32(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-text feature accumulator: hash → [weight, count]. */
class Features {
  readonly weight = new Map<number, number>();
  readonly count = new Map<number, number>();

  add(hash: number, weight: number): void {
    const n = this.count.get(hash);
    if (n === undefined) {
      this.count.set(hash, 1);
      this.weight.set(hash, weight);
    } else this.count.set(hash, n + 1);
  }

  get size(): number {
    return this.count.size;
  }
}

function addTrigrams(features: Features, seed: number, text: string, pad: boolean): void {
  // Codes of the (optionally boundary-padded) text, read without building the padded string.
  const length = text.length + (pad ? 2 : 0);
  const code = (i: number): number =>
    pad ? (i === 0 || i === length - 1 ? BOUNDARY : text.charCodeAt(i - 1)) : text.charCodeAt(i);
  for (let i = 0; i + 3 <= length; i++) {
    const h = fnvStep(fnvStep(fnvStep(seed, code(i)), code(i + 1)), code(i + 2));
    features.add(h >>> 0, TRIGRAM_WEIGHT);
  }
}

function extract(text: string): Features {
  const features = new Features();
  const ws = words(text);
  let prevHash = 0;
  let prevStop = false;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i] as string;
    const stop = STOP_WORDS.has(w);
    const h = fnv1a(UNIGRAM_SEED, w);
    features.add(h, stop ? STOP_UNIGRAM_WEIGHT : UNIGRAM_WEIGHT);
    if (i > 0) {
      const bigram = (mul32(prevHash ^ BIGRAM_SEED, 0x9e3779b1) ^ h) >>> 0;
      features.add(bigram, stop && prevStop ? STOP_BIGRAM_WEIGHT : BIGRAM_WEIGHT);
    }
    if (!stop && w.length >= TRIGRAM_MIN_WORD_LENGTH) addTrigrams(features, TRIGRAM_SEED, w, true);
    prevHash = h;
    prevStop = stop;
  }
  if (features.size === 0) {
    // No words (punctuation, symbols, emoji): fall back to the raw characters.
    const raw = text.trim().toLowerCase();
    if (raw.length >= 3) addTrigrams(features, RAW_SEED, raw, false);
    else if (raw.length > 0) features.add(fnv1a(RAW_SEED, raw), UNIGRAM_WEIGHT);
  }
  return features;
}

/**
 * The unit-length embedding of `text` in `dimensions` (1..{@link MAX_DIMENSIONS}) dimensions.
 * All zeros only for text without any non-space character.
 */
export function embedText(text: string, dimensions: number = DEFAULT_DIMENSIONS): Float32Array {
  const vector = new Float32Array(dimensions);
  const features = extract(text);
  let norm = 0;
  const values = new Float64Array(dimensions);
  for (const [hash, n] of features.count) {
    const mixed = fmix32(hash);
    const weight = features.weight.get(hash) as number;
    const value = n === 1 ? weight : weight * (1 + Math.log(n));
    const index = (mixed >>> 1) % dimensions;
    values[index] = (values[index] as number) + (mixed & 1 ? value : -value);
  }
  for (let i = 0; i < dimensions; i++) norm += (values[i] as number) * (values[i] as number);
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] = (values[i] as number) * scale;
  return vector;
}

/** Cosine similarity of two unit vectors of the same length (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

/**
 * Token counting for budgets, usage of the local provider, and usage estimates when a provider
 * reports none (e.g. a stream cut short).
 *
 * `countTokens` is exact for OpenAI's `o200k_base` encoding (gpt-4o, gpt-4.1, o-series, gpt-5).
 * The vocabulary comes from js-tiktoken's rank files, but the byte-pair merge is our own: the
 * js-tiktoken merge is quadratic per pre-tokenized piece with an allocation per step (measured:
 * 2,000 CJK characters, which pre-tokenize into a single piece, took 4 s; 5,000 `a`s took 2.9 s),
 * which would let one request block the event loop. Ours uses a heap over the candidate pairs
 * (O(k log k) for a piece of k bytes) and picks the same pair at every step (lowest rank, then
 * leftmost), so the result is identical; the spec checks it against js-tiktoken. Building the rank
 * table takes ~0.2 s and ~40 MB once, on first use (or at boot through {@link preloadTokenizer}).
 */
import { createRequire } from 'node:module';

/** Which vocabulary {@link countTokens} uses; `none` when no rank file could be loaded. */
export type TokenizerEncoding = 'o200k_base' | 'cl100k_base' | 'none';

interface Bpe {
  encoding: Exclude<TokenizerEncoding, 'none'>;
  /** The encoding's pre-tokenizer (global, unicode). */
  pattern: RegExp;
  /** Token bytes as a latin1 string (one char per byte) → rank. */
  ranks: Map<string, number>;
}

interface RankFile {
  pat_str: string;
  bpe_ranks: string;
}

function isRankFile(value: unknown): value is RankFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['pat_str'] === 'string' && typeof v['bpe_ranks'] === 'string';
}

/** Undefined: not tried yet; null: no vocabulary available. */
let bpe: Bpe | null | undefined;

function loadBpe(encoding: Exclude<TokenizerEncoding, 'none'>): Bpe {
  // The rank files are only reachable through the package's `exports` map, which TypeScript's
  // node10 resolution cannot see, so they are required at run time.
  const load = createRequire(__filename);
  const file: unknown = load(`js-tiktoken/ranks/${encoding}`);
  if (!isRankFile(file)) throw new Error(`js-tiktoken/ranks/${encoding} has an unexpected shape`);
  const ranks = new Map<string, number>();
  // Lines are `<label> <first rank> <base64 token> <base64 token> ...`, ranks consecutive.
  for (const line of file.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const parts = line.split(' ');
    const first = Number.parseInt(parts[1] ?? '', 10);
    for (let i = 2; i < parts.length; i++) ranks.set(atob(parts[i] as string), first + i - 2);
  }
  return { encoding, pattern: new RegExp(file.pat_str, 'gu'), ranks };
}

function getBpe(): Bpe | null {
  if (bpe !== undefined) return bpe;
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    try {
      bpe = loadBpe(encoding);
      return bpe;
    } catch {
      // try the next vocabulary
    }
  }
  bpe = null;
  return bpe;
}

/**
 * Loads the vocabulary now (~0.2 s) instead of on the first request, and says which one is in use.
 * `none` means neither o200k_base nor cl100k_base could be loaded: {@link countTokens} then falls
 * back to {@link estimateTokensUpperBound} rather than failing requests.
 */
export function preloadTokenizer(): TokenizerEncoding {
  return getBpe()?.encoding ?? 'none';
}

/** Piece → token count for short pieces (most words repeat). Cleared when full. */
const pieceCache = new Map<string, number>();
const PIECE_CACHE_MAX = 50_000;
const PIECE_CACHE_MAX_LENGTH = 32;

/** 2^32: heap keys are `rank * 2^32 + start` (ranks < 2^21, starts < 2^32: exact in a double). */
const SHIFT = 4294967296;

function heapPush(heap: number[], key: number): void {
  let i = heap.length;
  heap.push(key);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as number;
    if (p <= key) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = key;
}

function heapPop(heap: number[]): number {
  const top = heap[0] as number;
  const last = heap.pop() as number;
  const size = heap.length;
  if (size === 0) return top;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && (heap[right] as number) < (heap[left] as number)) child = right;
    if ((heap[child] as number) >= last) break;
    heap[i] = heap[child] as number;
    i = child;
  }
  heap[i] = last;
  return top;
}

/**
 * Number of tokens byte-pair encoding produces for one piece (`bytes`: one char per byte).
 * Same merge order as tiktoken: repeatedly merge the adjacent pair whose concatenation has the
 * lowest rank, leftmost first; the count of parts left is the token count (every byte has a rank).
 */
function bytePairCount(bytes: string, ranks: Map<string, number>): number {
  const n = bytes.length;
  if (n <= 1) return n;
  // Parts are identified by their start offset; a linked list over the starts.
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  const pairRank = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const rankOf = (p: number): number => {
    const q = next[p] as number;
    if (q === -1) return Infinity;
    const qNext = next[q] as number;
    return ranks.get(bytes.slice(p, qNext === -1 ? n : qNext)) ?? Infinity;
  };
  const heap: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    const r = rankOf(i);
    pairRank[i] = r;
    if (r !== Infinity) heapPush(heap, r * SHIFT + i);
  }
  let parts = n;
  while (heap.length > 0) {
    const key = heapPop(heap);
    const r = Math.floor(key / SHIFT);
    const p = key - r * SHIFT;
    // Stale entry: the part was merged away or its pair changed since.
    if (alive[p] === 0 || pairRank[p] !== r) continue;
    const q = next[p] as number;
    const after = next[q] as number;
    alive[q] = 0;
    next[p] = after;
    if (after !== -1) prev[after] = p;
    parts--;
    const own = rankOf(p);
    pairRank[p] = own;
    if (own !== Infinity) heapPush(heap, own * SHIFT + p);
    const before = prev[p] as number;
    if (before !== -1) {
      const br = rankOf(before);
      pairRank[before] = br;
      if (br !== Infinity) heapPush(heap, br * SHIFT + before);
    }
  }
  return parts;
}

function pieceTokens(piece: string, model: Bpe): number {
  const cacheable = piece.length <= PIECE_CACHE_MAX_LENGTH;
  if (cacheable) {
    const hit = pieceCache.get(piece);
    if (hit !== undefined) return hit;
  }
  const bytes = Buffer.from(piece, 'utf8').toString('latin1');
  const count = model.ranks.has(bytes) ? 1 : bytePairCount(bytes, model.ranks);
  if (cacheable) {
    if (pieceCache.size >= PIECE_CACHE_MAX) pieceCache.clear();
    pieceCache.set(piece, count);
  }
  return count;
}

/**
 * Exact number of `o200k_base` tokens in `text` (cl100k_base if o200k is unavailable; the
 * {@link estimateTokensUpperBound} estimate if neither is). Special-token strings such as
 * `<|endoftext|>` count as ordinary text, as they do in API requests.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const model = getBpe();
  if (model === null) return estimateTokensUpperBound(text);
  const pattern = model.pattern;
  pattern.lastIndex = 0;
  let count = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const piece = m[0];
    if (piece.length === 0) {
      pattern.lastIndex++;
      continue;
    }
    count += pieceTokens(piece, model);
  }
  return count;
}

/**
 * A cheap, allocation-free, single-pass estimate meant to be >= {@link countTokens} on realistic
 * text, used on every request to reserve token budget before the exact count is known.
 *
 * It mimics o200k's pre-tokenizer with one state variable: a run of letters costs 1 (1.25 right
 * after a digit) plus 0.2 per further letter (a lowercase→uppercase change starts a new run, as in
 * `camelCase`), digits 1 per group of 3 (plus 0.75 for a space before them, which o200k does not
 * merge into numbers), punctuation 1 then 0.5 per following punctuation char, space/tab 0.25,
 * newline 0.5, a run of 2-byte UTF-8 letters 1 + 0.2 per further char, any other UTF-16 unit (CJK,
 * Indic, each half of an emoji's surrogate pair) 1. ~0.5 ms per 100 kB.
 *
 * Measured against o200k (see the spec): English prose and docs ~1.6x the exact count, TypeScript
 * ~1.7x, JSON ~1.3x, Chinese ~1.4x, Japanese ~1.1x, Cyrillic ~1.7x, hex ids and UUIDs ~1.1x.
 * Known undercounts (it is not a hard bound; only the UTF-8 byte length is): random base64
 * (~0.9x) and rare ideographs that o200k spells in several byte tokens (~0.5x). Callers reconcile
 * with the exact or provider-reported usage afterwards.
 */
export function estimateTokensUpperBound(text: string): number {
  // Costs in twentieths of a token, to stay in small integers.
  let cost = 0;
  let prev = 0; // 0: space/other, 1: lower, 2: upper, 3: digit, 4: punctuation, 5: 2-byte letter
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x61 && c <= 0x7a) {
        cost += prev === 1 || prev === 2 ? 4 : prev === 3 ? 25 : 20;
        prev = 1;
      } else if (c >= 0x41 && c <= 0x5a) {
        cost += prev === 2 ? 4 : prev === 3 ? 25 : 20;
        prev = 2;
      } else if (c >= 0x30 && c <= 0x39) {
        if (prev !== 3) {
          digits = 0;
          if (i > 0 && text.charCodeAt(i - 1) === 0x20) cost += 15;
        }
        if (digits % 3 === 0) cost += 20;
        digits++;
        prev = 3;
      } else if (c === 0x20 || c === 0x09) {
        cost += 5;
        prev = 0;
      } else if (c === 0x0a || c === 0x0d) {
        cost += 10;
        prev = 0;
      } else {
        cost += prev === 4 ? 10 : 20;
        prev = 4;
      }
    } else if (c < 0x800) {
      cost += prev === 5 ? 4 : 20;
      prev = 5;
    } else {
      cost += 20;
      prev = 0;
    }
  }
  return Math.ceil(cost / 20);
}

/** Tokens of one message's `content`: a string, or an array of parts (text and images). */
function contentTokens(content: unknown): number {
  if (typeof content === 'string') return countTokens(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (typeof part === 'string') {
      n += countTokens(part);
      continue;
    }
    if (typeof part !== 'object' || part === null) continue;
    const p = part as Record<string, unknown>;
    if (typeof p['text'] === 'string') n += countTokens(p['text']);
    else if (typeof p['refusal'] === 'string') n += countTokens(p['refusal']);
    else if (p['type'] === 'image_url') {
      const image = p['image_url'];
      const detail =
        typeof image === 'object' && image !== null
          ? (image as Record<string, unknown>)['detail']
          : undefined;
      n += detail === 'low' ? IMAGE_LOW_TOKENS : IMAGE_HIGH_TOKENS;
    } else if (p['type'] === 'input_audio' || p['type'] === 'file') n += OTHER_PART_TOKENS;
  }
  return n;
}

/** gpt-4o charges 85 tokens for a low-detail image, 85 + 170 per 512px tile otherwise. */
const IMAGE_LOW_TOKENS = 85;
/** A 1024×1024 image at high detail (4 tiles); larger images cost more (approximate). */
const IMAGE_HIGH_TOKENS = 765;
/** Audio and file parts: a placeholder, their real cost depends on their length. */
const OTHER_PART_TOKENS = 256;

/**
 * Tokens of a chat prompt per OpenAI's documented accounting for gpt-4o-era models: 3 per message
 * plus the tokens of each field's value (role, content, name, tool_call_id), 1 more when `name` is
 * set, and 3 to prime the reply. Assistant `tool_calls` count their function name and arguments
 * plus 3 each. Images count 85 (low detail) or 765 tokens, audio/file parts 256 (both approximate).
 *
 * `tools` are approximate (OpenAI renders them into a hidden system prompt whose exact format is not
 * published): 12 once, plus per function 8 + its name + description + JSON schema as compact JSON.
 * This lands within a few percent above the reported usage for typical tool schemas.
 */
export function countChatPromptTokens(
  messages: ReadonlyArray<Record<string, unknown>>,
  tools?: readonly unknown[],
): number {
  let n = 3;
  for (const message of messages) {
    n += 3;
    if (typeof message['role'] === 'string') n += countTokens(message['role']);
    n += contentTokens(message['content']);
    if (typeof message['name'] === 'string') n += countTokens(message['name']) + 1;
    if (typeof message['tool_call_id'] === 'string') n += countTokens(message['tool_call_id']);
    const calls = message['tool_calls'];
    if (Array.isArray(calls)) {
      for (const call of calls) {
        if (typeof call !== 'object' || call === null) continue;
        const fn = (call as Record<string, unknown>)['function'];
        if (typeof fn !== 'object' || fn === null) continue;
        const f = fn as Record<string, unknown>;
        n += 3;
        if (typeof f['name'] === 'string') n += countTokens(f['name']);
        if (typeof f['arguments'] === 'string') n += countTokens(f['arguments']);
      }
    }
  }
  if (tools !== undefined && tools.length > 0) {
    n += 12;
    for (const tool of tools) {
      if (typeof tool !== 'object' || tool === null) continue;
      const fn = (tool as Record<string, unknown>)['function'];
      const f = (typeof fn === 'object' && fn !== null ? fn : tool) as Record<string, unknown>;
      n += 8;
      if (typeof f['name'] === 'string') n += countTokens(f['name']);
      if (typeof f['description'] === 'string') n += countTokens(f['description']);
      if (f['parameters'] !== undefined) n += countTokens(JSON.stringify(f['parameters']) ?? '');
    }
  }
  return n;
}

/**
 * The longest prefix of `text` with at most `maxTokens` tokens, cut at a word boundary when one
 * exists in the prefix (never inside a surrogate pair). Used to honour `max_tokens` on text we
 * produce ourselves. O(n log n) token counts, meant for completion-sized text.
 */
export function truncateToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  if (countTokens(text) <= maxTokens) return { text, truncated: false };
  if (maxTokens <= 0) return { text: '', truncated: true };
  // Binary search the longest prefix length that fits.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(safePrefix(text, mid)) <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  let cut = safePrefix(text, lo);
  const space = cut.search(/\s\S*$/);
  if (space > 0 && /\S/.test(text.charAt(cut.length))) cut = cut.slice(0, space);
  return { text: cut.trimEnd(), truncated: true };
}

function safePrefix(text: string, length: number): string {
  const c = text.charCodeAt(length - 1);
  // Do not end on a lone high surrogate.
  return c >= 0xd800 && c <= 0xdbff ? text.slice(0, length - 1) : text.slice(0, length);
}

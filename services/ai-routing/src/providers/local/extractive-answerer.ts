/**
 * The local provider's "chat model": extractive question answering over the conversation itself.
 * It does not generate language; it picks the 1–3 sentences of the given context that best match
 * the question and returns them verbatim, in their original order.
 *
 * - Question: the last `user` message. When that message has several sentences (the common
 *   "here are documents ... question?" prompt), its last sentence with a `?` is the question and
 *   the others join the context; with no `?` the whole message is the question, and when it has 3+
 *   sentences they are candidates too (an extractive summary of what was pasted).
 * - Context: every other message (system/developer, earlier user and assistant turns, tool and
 *   function results), string content or the text parts of content arrays, split into sentences
 *   (line breaks, `.`/`!`/`?` followed by a space, CJK full stops; list bullets and markdown heading
 *   marks removed; runs over 60 words cut into 40-word pieces).
 * - Score: cosine of the {@link embedText} vectors of sentence and question, plus 0.05 × the share
 *   of the question's content words present in the sentence (a keyword tie-break). The best
 *   sentence is kept if it scores >= 0.1; up to two more if they score >= 60% of the best (and
 *   >= 0.1) and are not near-duplicates of a kept one. Ties go to the earlier sentence.
 * - Otherwise a fixed sentence says this is brainmesh's offline local model and restates the
 *   question. Everything is deterministic.
 */
import { cosine, embedText, STOP_WORDS, words } from './hashing-embedder';

/** What {@link answerFromMessages} produced. */
export interface ExtractiveAnswer {
  /** The answer text (never empty). */
  text: string;
  /** How many context sentences it quotes; 0 for the offline fallback sentence. */
  sentences: number;
}

/** Score a sentence needs to be quoted at all. */
const MIN_SCORE = 0.1;
/** Further sentences need this share of the best score. */
const RELATIVE_SCORE = 0.6;
const MAX_SENTENCES = 3;
const KEYWORD_WEIGHT = 0.05;
/** Cosine above which a candidate counts as a duplicate of a kept sentence. */
const DUPLICATE_COSINE = 0.95;
/** Only the most recent context sentences are scored (bounds the work on huge prompts). */
const MAX_CANDIDATES = 5000;
const LONG_SENTENCE_WORDS = 60;
const CHUNK_WORDS = 40;
const QUESTION_ECHO_CHARS = 200;
/** A user message without a question needs this many sentences to be quoted from itself. */
const MIN_SUMMARY_SENTENCES = 3;

const CONTEXT_ROLES: ReadonlySet<string> = new Set([
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
]);

/** The text of a message `content`: a string, or the text parts of a content array joined by newlines. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (typeof part === 'object' && part !== null) {
      const text = (part as Record<string, unknown>)['text'];
      if (typeof text === 'string') texts.push(text);
    }
  }
  return texts.join('\n');
}

/** Sentences as written (line breaks, sentence ends, CJK full stops; bullets and `#` removed). */
function rawSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n+/)) {
    const clean = line.replace(/^\s*(?:#{1,6}\s+|[-*•>]\s+|\d{1,3}[.)]\s+)/, '').trim();
    if (clean.length === 0) continue;
    for (const piece of clean.split(/(?<=[.!?…])\s+|(?<=[。！？])/u)) {
      const sentence = piece.trim();
      if (sentence.length > 0 && words(sentence).length > 0) out.push(sentence);
    }
  }
  return out;
}

/** Run-on sentences (over 60 words) cut into 40-word pieces, so one blob cannot win every question. */
function chunked(sentences: readonly string[]): string[] {
  const out: string[] = [];
  for (const sentence of sentences) {
    const tokens = sentence.split(/\s+/);
    if (tokens.length <= LONG_SENTENCE_WORDS) {
      out.push(sentence);
      continue;
    }
    for (let i = 0; i < tokens.length; i += CHUNK_WORDS) {
      out.push(tokens.slice(i, i + CHUNK_WORDS).join(' '));
    }
  }
  return out;
}

/** Splits text into the trimmed sentences that are scored (see the module comment for the rules). */
export function splitSentences(text: string): string[] {
  return chunked(rawSentences(text));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= QUESTION_ECHO_CHARS
    ? flat
    : `${flat.slice(0, QUESTION_ECHO_CHARS).replace(/[\ud800-\udbff]$/, '')}…`;
}

function fallback(question: string): ExtractiveAnswer {
  const text =
    question.length === 0
      ? "I am brainmesh's offline local model: I answer from the text in this conversation. Ask me a question about it."
      : `I am brainmesh's offline local model and found nothing in this conversation that answers "${oneLine(question)}".`;
  return { text, sentences: 0 };
}

interface Candidate {
  text: string;
  position: number;
  vector: Float32Array;
  score: number;
}

/**
 * Answers the last user message from the rest of `messages` (OpenAI chat messages) by quoting the
 * best-matching sentences; see the module comment.
 */
export function answerFromMessages(messages: ReadonlyArray<Record<string, unknown>>): ExtractiveAnswer {
  let questionIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.['role'] === 'user') {
      questionIndex = i;
      break;
    }
  }
  const context: string[] = [];
  messages.forEach((message, i) => {
    if (i === questionIndex) return;
    const role = message['role'];
    if (typeof role !== 'string' || !CONTEXT_ROLES.has(role)) return;
    context.push(...splitSentences(contentText(message['content'])));
  });

  const asked = questionIndex < 0 ? '' : contentText(messages[questionIndex]?.['content']).trim();
  let question = asked;
  const own = rawSentences(asked);
  const lastQuestion = own.map((s) => s.includes('?') || s.includes('？')).lastIndexOf(true);
  if (own.length > 1 && lastQuestion >= 0) {
    question = own[lastQuestion] as string;
    context.push(...chunked(own.filter((_, i) => i !== lastQuestion)));
  } else if (own.length >= MIN_SUMMARY_SENTENCES && lastQuestion < 0) {
    context.push(...chunked(own));
  }
  if (question.length === 0 || context.length === 0) return fallback(question);

  const questionVector = embedText(question);
  const keywords = new Set(words(question).filter((w) => !STOP_WORDS.has(w)));
  const normalisedQuestion = oneLine(question).toLowerCase();
  const first = Math.max(0, context.length - MAX_CANDIDATES);
  const candidates: Candidate[] = [];
  for (let position = first; position < context.length; position++) {
    const text = context[position] as string;
    if (oneLine(text).toLowerCase() === normalisedQuestion) continue;
    const vector = embedText(text);
    let overlap = 0;
    if (keywords.size > 0) {
      const present = new Set(words(text));
      for (const k of keywords) if (present.has(k)) overlap++;
      overlap /= keywords.size;
    }
    candidates.push({
      text,
      position,
      vector,
      score: cosine(vector, questionVector) + KEYWORD_WEIGHT * overlap,
    });
  }
  candidates.sort((a, b) => b.score - a.score || a.position - b.position);
  const best = candidates[0];
  if (best === undefined || best.score < MIN_SCORE) return fallback(question);

  const kept: Candidate[] = [best];
  const floor = Math.max(MIN_SCORE, RELATIVE_SCORE * best.score);
  for (const candidate of candidates.slice(1)) {
    if (kept.length >= MAX_SENTENCES || candidate.score < floor) break;
    if (kept.some((k) => cosine(k.vector, candidate.vector) > DUPLICATE_COSINE)) continue;
    kept.push(candidate);
  }
  kept.sort((a, b) => a.position - b.position);
  let text = '';
  for (const { text: sentence } of kept) {
    // CJK sentences are not separated by spaces.
    text += text.length === 0 || /[。！？]$/.test(text) ? sentence : ` ${sentence}`;
  }
  return { text, sentences: kept.length };
}

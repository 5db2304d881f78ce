import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import {
  countChatPromptTokens,
  countTokens,
  estimateTokensUpperBound,
  preloadTokenizer,
  truncateToTokens,
} from './tokens';

type TokensModule = typeof import('./tokens');

/** js-tiktoken's own encoder: the reference our merge must agree with. */
function reference(encoding: 'o200k_base' | 'cl100k_base'): Tiktoken {
  return new Tiktoken(require(`js-tiktoken/ranks/${encoding}`));
}

/** Deterministic PRNG (mulberry32) so the fuzz corpus is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const repoRoot = join(__dirname, '../../../..');
const CORPUS: Record<string, string> = {
  english: readFileSync(join(repoRoot, 'docs/architecture.md'), 'utf8').slice(0, 4000),
  prose: "It was the best of times, it was the worst of times. We'll see; they're sure I'VE DONE it. ",
  code: readFileSync(join(__dirname, 'upstream.ts'), 'utf8').slice(0, 4000),
  json: JSON.stringify(
    { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi!' }], temperature: 0.2, n: 1 },
    null,
    2,
  ),
  chinese:
    '人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。',
  japanese: '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。',
  korean: '대한민국은 동아시아의 한반도 남부에 위치한 민주공화국이다. 수도는 서울특별시이다.',
  cyrillic: 'Москва — столица России, город федерального значения.',
  emoji: '😀🎉🚀👍🏽 hello 🌍🔥💯 ok 🤖🧠',
  digits: '1 2 3 4 5 6 7 8 9 0 12 345 6789 3.14159 2025-01-01 +1-555-0100',
  hex: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 4ee9f15 43f1438 8e015b3',
  uuids:
    '0b7e2f1c-9a3d-4c55-8e21-6f0a9d3b7c41, 5d2c8a90-1e4b-4f7a-b6c3-29e8d0f1a7b5, c3f1e9a2-7b64-4d08-9c5e-1a2b3c4d5e6f',
  whitespace: 'a\n\n\n    b\t\t c   \n\r\n  ',
  special: 'hello <|endoftext|> world <|endofprompt|>',
};

describe('countTokens (o200k_base)', () => {
  let o200k: Tiktoken;
  beforeAll(() => {
    o200k = reference('o200k_base');
    expect(preloadTokenizer()).toBe('o200k_base');
  }, 60_000);

  it('counts known strings exactly', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('Hello, world!')).toBe(4);
  });

  it.each(Object.keys(CORPUS))('matches js-tiktoken on the %s sample', (name) => {
    const text = CORPUS[name] as string;
    expect(countTokens(text)).toBe(o200k.encode(text, [], []).length);
  });

  it('matches js-tiktoken on 300 random strings mixing scripts, runs and repeats', () => {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
      'aaaaab ', // long repeated runs exercise equal-rank ties in the merge order
      ' \t\n.,;:!?()[]{}<>\'"-_=+*/\\|',
      '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动',
      'абвгдеёжзийклмнопрстуфхцчшщъыьэюя',
      'ßçéèêñøåæœ',
      '😀🎉🚀👍🏽🌍🔥💯🤖🧠',
    ];
    const random = prng(20250101);
    for (let i = 0; i < 300; i++) {
      let text = '';
      const length = 1 + Math.floor(random() * 80);
      for (let j = 0; j < length; j++) {
        const alphabet = [...(alphabets[Math.floor(random() * alphabets.length)] as string)];
        const run = 1 + Math.floor(random() * 6);
        const ch = alphabet[Math.floor(random() * alphabet.length)] as string;
        text += random() < 0.3 ? ch.repeat(run) : ch;
      }
      expect({ text, count: countTokens(text) }).toEqual({
        text,
        count: o200k.encode(text, [], []).length,
      });
    }
  });

  it('stays fast on a huge single pre-tokenizer piece (js-tiktoken needs ~4 s for 2k CJK chars)', () => {
    const cjk = '人工智能是计算机科学的一个分支'.repeat(1400); // 21,000 chars, one piece
    const started = performance.now();
    const count = countTokens(cjk);
    const elapsed = performance.now() - started;
    expect(count).toBeGreaterThan(cjk.length / 3);
    expect(count).toBeLessThanOrEqual(Buffer.byteLength(cjk));
    expect(elapsed).toBeLessThan(1_000);
    // o200k spells a run of `a`s in 8-byte tokens (checked against js-tiktoken for 3,000).
    expect(countTokens('a'.repeat(4000))).toBe(500);
  });
});

describe('estimateTokensUpperBound', () => {
  it.each(Object.keys(CORPUS))('is >= the exact count on the %s sample', (name) => {
    const text = CORPUS[name] as string;
    expect(estimateTokensUpperBound(text)).toBeGreaterThanOrEqual(countTokens(text));
  });

  it('stays within 2x of the exact count on English and code (not uselessly loose)', () => {
    for (const name of ['english', 'prose', 'code', 'json']) {
      const text = CORPUS[name] as string;
      expect(estimateTokensUpperBound(text)).toBeLessThanOrEqual(2 * countTokens(text));
    }
  });

  it('is 0 for empty text and at least 1 otherwise', () => {
    expect(estimateTokensUpperBound('')).toBe(0);
    expect(estimateTokensUpperBound(' ')).toBe(1);
    expect(estimateTokensUpperBound('a')).toBe(1);
  });
});

describe('countChatPromptTokens', () => {
  it("follows OpenAI's per-message accounting: 3 per message, values, 1 per name, 3 to prime", () => {
    expect(countChatPromptTokens([{ role: 'user', content: 'hello' }])).toBe(3 + 1 + 1 + 3);
    const named = countChatPromptTokens([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', name: 'alice', content: 'What is 2+2?' },
    ]);
    const expected =
      3 +
      (3 + countTokens('system') + countTokens('Be brief.')) +
      (3 + countTokens('user') + countTokens('What is 2+2?') + countTokens('alice') + 1);
    expect(named).toBe(expected);
  });

  it('counts text parts like string content, images approximately, and tool calls and results', () => {
    const asString = countChatPromptTokens([{ role: 'user', content: 'Describe this picture.' }]);
    const asParts = countChatPromptTokens([
      { role: 'user', content: [{ type: 'text', text: 'Describe this picture.' }] },
    ]);
    expect(asParts).toBe(asString);
    const withImage = countChatPromptTokens([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe this picture.' },
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
        ],
      },
    ]);
    expect(withImage - asString).toBe(85);

    const args = '{"city":"Paris"}';
    const toolTurn = countChatPromptTokens([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: args } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
    ]);
    expect(toolTurn).toBe(
      3 +
        (3 + countTokens('assistant') + 3 + countTokens('get_weather') + countTokens(args)) +
        (3 + countTokens('tool') + countTokens('call_1') + countTokens('18°C, sunny')),
    );
  });

  it('adds an approximate cost for tool definitions that grows with the schema', () => {
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const tool = (description: string) => ({
      type: 'function',
      function: {
        name: 'get_weather',
        description,
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    });
    const base = countChatPromptTokens(messages);
    const short = countChatPromptTokens(messages, [tool('Weather.')]);
    const long = countChatPromptTokens(messages, [tool('Current weather for a city, in °C.')]);
    expect(short - base).toBeGreaterThan(12 + 8 + countTokens('get_weather'));
    expect(long).toBeGreaterThan(short);
    expect(countChatPromptTokens(messages, [])).toBe(base);
  });
});

describe('truncateToTokens', () => {
  const text = 'The quick brown fox jumps over the lazy dog and keeps running into the forest.';

  it('returns the text unchanged when it fits', () => {
    expect(truncateToTokens(text, 1000)).toEqual({ text, truncated: false });
  });

  it('cuts to at most maxTokens at a word boundary', () => {
    const { text: cut, truncated } = truncateToTokens(text, 5);
    expect(truncated).toBe(true);
    expect(countTokens(cut)).toBeLessThanOrEqual(5);
    expect(cut).toBe('The quick brown fox jumps');
    expect(truncateToTokens(text, 0)).toEqual({ text: '', truncated: true });
  });

  it('never splits a surrogate pair', () => {
    const { text: cut } = truncateToTokens('🤖🧠🚀🌍🔥💯'.repeat(4), 3);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut).toBe(Buffer.from(cut, 'utf8').toString('utf8'));
    expect(/[\ud800-\udbff]$/.test(cut)).toBe(false);
  });
});

describe('vocabulary fallback', () => {
  function loadWithMissing(missing: RegExp): TokensModule {
    let mod: TokensModule | undefined;
    jest.isolateModules(() => {
      jest.doMock('node:module', () => {
        const actual = jest.requireActual<typeof import('node:module')>('node:module');
        return {
          ...actual,
          createRequire: (from: string) => {
            const real = actual.createRequire(from);
            return (id: string): unknown => {
              if (missing.test(id)) throw new Error(`Cannot find module '${id}'`);
              return real(id);
            };
          },
        };
      });
      mod = require('./tokens') as TokensModule;
    });
    jest.dontMock('node:module');
    if (mod === undefined) throw new Error('module not loaded');
    return mod;
  }

  it('uses cl100k_base when o200k_base is unavailable', () => {
    const tokens = loadWithMissing(/o200k/);
    expect(tokens.preloadTokenizer()).toBe('cl100k_base');
    const cl100k = reference('cl100k_base');
    const text = CORPUS['chinese'] as string;
    expect(tokens.countTokens(text)).toBe(cl100k.encode(text, [], []).length);
    expect(tokens.countTokens(text)).not.toBe(countTokens(text));
  }, 60_000);

  it('falls back to the estimate when no vocabulary loads', () => {
    const tokens = loadWithMissing(/ranks/);
    expect(tokens.preloadTokenizer()).toBe('none');
    const text = CORPUS['prose'] as string;
    expect(tokens.countTokens(text)).toBe(estimateTokensUpperBound(text));
  });
});

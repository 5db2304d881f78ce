import { cosine, DEFAULT_DIMENSIONS, embedText, words } from './hashing-embedder';

const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));
const similarity = (a: string, b: string) => cosine(embedText(a), embedText(b));

describe('words', () => {
  it('lower-cases, splits on non-word characters and keeps letters of any script', () => {
    expect(words("Don't stop: naïve CAFÉ, hello-world 3.14")).toEqual([
      'don',
      't',
      'stop',
      'naïve',
      'café',
      'hello',
      'world',
      '3',
      '14',
    ]);
  });

  it('makes every Han, Hiragana and Katakana character a word, including astral ones', () => {
    expect(words('人工智能 AI です 𠀀x')).toEqual(['人', '工', '智', '能', 'ai', 'で', 'す', '𠀀', 'x']);
  });

  it('ignores emoji and punctuation', () => {
    expect(words('😀 -- !!! 🚀')).toEqual([]);
  });
});

describe('embedText', () => {
  it('returns a unit vector of 384 dimensions by default, the same every time', () => {
    const v = embedText('Routing requests to the cheapest healthy provider');
    expect(v).toHaveLength(DEFAULT_DIMENSIONS);
    expect(norm(v)).toBeCloseTo(1, 5);
    expect(embedText('Routing requests to the cheapest healthy provider')).toEqual(v);
    expect(v.filter((x) => x !== 0).length).toBeGreaterThan(10);
  });

  it.each([1, 8, 256, 1536, 4096])('honours %i dimensions and stays unit length', (dimensions) => {
    const v = embedText('feature hashing keeps any dimension', dimensions);
    expect(v).toHaveLength(dimensions);
    expect(norm(v)).toBeCloseTo(1, 5);
  });

  it.each([
    [
      'How do I reset my password?',
      'Steps to reset a forgotten password',
      'The weather in Paris is sunny today',
    ],
    ['The cat sat on the mat', 'A cat was sitting on the mat', 'Quarterly revenue grew by ten percent'],
    [
      'routing requests to providers',
      'the router routes each request to a provider',
      'bananas are rich in potassium',
    ],
    [
      'kubernetes deployment failed',
      'deployment to kubernetes fails with an error',
      'my favourite pasta recipe',
    ],
    ['人工智能的发展', '人工智能技术发展迅速', '今天天气很好'],
  ])('scores "%s" closer to a similar text than to an unrelated one', (text, similar, unrelated) => {
    const close = similarity(text, similar);
    const far = similarity(text, unrelated);
    expect(close).toBeGreaterThan(far + 0.1);
    expect(close).toBeGreaterThan(0.2);
    expect(Math.abs(far)).toBeLessThan(0.2);
  });

  it('is robust to inflection through character trigrams', () => {
    expect(similarity('deploying services', 'service deployment')).toBeGreaterThan(
      similarity('deploying services', 'eating breakfast'),
    );
    expect(similarity('deploying services', 'service deployment')).toBeGreaterThan(0.2);
  });

  it('weighs word order through bigrams', () => {
    expect(similarity('new york', 'new york')).toBeCloseTo(1, 5);
    expect(similarity('dog bites man', 'man bites dog')).toBeLessThan(0.99);
  });

  it('gives text without words a non-zero vector from its characters, and blank text zeros', () => {
    expect(norm(embedText('--- !!!'))).toBeCloseTo(1, 5);
    expect(norm(embedText('🚀'))).toBeCloseTo(1, 5);
    expect(embedText('   ').every((x) => x === 0)).toBe(true);
  });

  it('embeds a short text in well under 0.1 ms', () => {
    const text = 'What is the capital city of France and how many people live there?';
    for (let i = 0; i < 500; i++) embedText(text);
    const runs = 5000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) embedText(text);
    const perCallMs = (performance.now() - started) / runs;
    expect(perCallMs).toBeLessThan(0.1);
  });
});

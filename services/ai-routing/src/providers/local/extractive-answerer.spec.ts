import { answerFromMessages, contentText, splitSentences } from './extractive-answerer';

const DOC = `brainmesh is a self-hosted multi-tenant AI platform. The gateway is the only public entry point.
The ai-routing service routes OpenAI-compatible calls to providers such as OpenAI and Anthropic.
Budgets limit how many tokens a tenant may spend per month. Knowledge bases store documents and their embeddings in pgvector.
The orchestrator runs agents and workflows. Analytics aggregates usage and cost events from Kafka.`;

const ask = (question: string, context = DOC) =>
  answerFromMessages([
    { role: 'system', content: context },
    { role: 'user', content: question },
  ]);

describe('splitSentences', () => {
  it('splits on line breaks, sentence ends and CJK full stops, dropping bullets and headings', () => {
    expect(
      splitSentences('# Title\n- First point. Second point!\n2) Third?\n\n人工智能很重要。今天天气很好。'),
    ).toEqual(['Title', 'First point.', 'Second point!', 'Third?', '人工智能很重要。', '今天天气很好。']);
  });

  it('keeps decimals and cuts run-on text into 40-word pieces', () => {
    expect(splitSentences('Pi is 3.14 roughly.')).toEqual(['Pi is 3.14 roughly.']);
    const runOn = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    const pieces = splitSentences(runOn);
    expect(pieces.map((p) => p.split(' ').length)).toEqual([40, 40, 20]);
    expect(pieces.join(' ')).toBe(runOn);
  });

  it('drops pieces without any word', () => {
    expect(splitSentences('--- \n *** \n ok.')).toEqual(['ok.']);
  });
});

describe('contentText', () => {
  it('reads strings and the text parts of content arrays', () => {
    expect(contentText('plain')).toBe('plain');
    expect(
      contentText([
        { type: 'text', text: 'one' },
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        { type: 'text', text: 'two' },
      ]),
    ).toBe('one\ntwo');
    expect(contentText(null)).toBe('');
  });
});

describe('answerFromMessages', () => {
  it.each([
    ['Which service routes calls to providers?', 'The ai-routing service routes OpenAI-compatible calls'],
    ['Where are embeddings stored?', 'Knowledge bases store documents and their embeddings in pgvector.'],
    ['What do budgets limit?', 'Budgets limit how many tokens a tenant may spend per month.'],
    ['Who runs agents?', 'The orchestrator runs agents and workflows.'],
  ])('answers "%s" by quoting the matching sentence of the system prompt', (question, expected) => {
    const answer = ask(question);
    expect(answer.text.startsWith(expected)).toBe(true);
    expect(answer.sentences).toBeGreaterThanOrEqual(1);
  });

  it('answers the same way every time', () => {
    expect(ask('Where are embeddings stored?')).toEqual(ask('Where are embeddings stored?'));
  });

  it('uses the other sentences of a multi-sentence user message as context', () => {
    const answer = answerFromMessages([
      {
        role: 'user',
        content:
          'Context: The Eiffel Tower is 330 metres tall. It was completed in 1889. Paris is the capital of France.\nQuestion: when was the tower completed?',
      },
    ]);
    expect(answer).toEqual({ text: 'It was completed in 1889.', sentences: 1 });
  });

  it('quotes a pasted text of 3+ sentences without a question (extractive summary), not shorter ones', () => {
    const pasted =
      'Summarise this: The outbox relay publishes events to Kafka.\nConsumers record event ids.\nA redelivered event changes nothing.';
    const summary = answerFromMessages([{ role: 'user', content: pasted }]);
    expect(summary.sentences).toBeGreaterThanOrEqual(1);
    expect(splitSentences(pasted).some((s) => summary.text.includes(s))).toBe(true);
    expect(answerFromMessages([{ role: 'user', content: 'Good morning.\nNice day.' }]).sentences).toBe(0);
  });

  it('reads tool results, earlier turns and text parts of content arrays', () => {
    const answer = answerFromMessages([
      { role: 'user', content: 'I need the forecast.' },
      { role: 'assistant', content: 'Which city do you mean?' },
      { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
      {
        role: 'tool',
        tool_call_id: 'c1',
        content: [{ type: 'text', text: 'Paris weather: 18°C and sunny.' }],
      },
    ]);
    expect(answer.text).toBe('Paris weather: 18°C and sunny.');
  });

  it('quotes at most three sentences, in their original order', () => {
    const context = [
      'Kafka topics have six partitions by default.',
      'Unrelated: the cafeteria opens at noon.',
      'Kafka messages are keyed by tenant id.',
      'Kafka delivery is at least once.',
      'Kafka consumers are idempotent.',
    ].join(' ');
    const answer = ask('How does brainmesh use Kafka topics, messages, delivery and consumers?', context);
    expect(answer.sentences).toBe(3);
    const positions = answer.text.split(/(?<=\.) /).map((sentence) => context.indexOf(sentence));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(answer.text).not.toContain('cafeteria');
  });

  it('answers in CJK from CJK context', () => {
    expect(ask('什么是人工智能？', '人工智能是计算机科学的一个分支。今天天气很好。').text).toBe(
      '人工智能是计算机科学的一个分支。',
    );
  });

  it('says it is the offline local model and restates the question when nothing matches', () => {
    expect(ask('What is the capital of France?')).toEqual({
      text: `I am brainmesh's offline local model and found nothing in this conversation that answers "What is the capital of France?".`,
      sentences: 0,
    });
    expect(answerFromMessages([{ role: 'user', content: '  hello\n  there  ' }]).text).toContain(
      '"hello there"',
    );
  });

  it('shortens a long question when restating it', () => {
    const question = `Why ${'very '.repeat(100)}long?`;
    const { text } = answerFromMessages([{ role: 'user', content: question }]);
    expect(text.length).toBeLessThan(320);
    expect(text).toContain('…".');
  });

  it('invites a question when there is no user message', () => {
    expect(answerFromMessages([{ role: 'system', content: 'You are helpful.' }])).toEqual({
      text: "I am brainmesh's offline local model: I answer from the text in this conversation. Ask me a question about it.",
      sentences: 0,
    });
  });
});

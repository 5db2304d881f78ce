import { Agent, request as httpRequest } from 'node:http';
import { MockLlmUpstream } from './mock-llm-upstream';
import { type ChatCompletionJson, type OpenAiErrorJson, parseSseText, postJson } from './test-support';

const chatBody = (model = 'gpt-4o', stream = false) => ({
  model,
  stream,
  messages: [{ role: 'user', content: 'one two three' }],
});

/** Reads a streaming answer until it ends or fails; returns the text received and the error, if any. */
async function readUntilEnd(res: Response): Promise<{ text: string; error?: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

describe('MockLlmUpstream: fault injection and observability', () => {
  let mock: MockLlmUpstream;
  const chatUrl = () => `${mock.openaiBaseUrl}/chat/completions`;
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(chatUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  beforeAll(async () => {
    mock = await MockLlmUpstream.start();
  });
  afterAll(() => mock.close());
  afterEach(() => mock.reset());

  it('answers injected statuses in the OpenAI error shape with retry-after headers', async () => {
    mock.enqueueFault({ type: 'status', status: 429, retryAfterS: 3 });
    const res = await postJson<OpenAiErrorJson>(chatUrl(), chatBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('retry-after-ms')).toBeNull();
    expect(res.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(mock.requests[0].fault).toEqual({ type: 'status', status: 429, retryAfterS: 3 });
    expect(mock.requests[0].status).toBe(429);
  });

  it('consumes faults FIFO, `times` times, then answers normally', async () => {
    mock.enqueueFault({ type: 'status', status: 500 }, { times: 2 });
    mock.enqueueFault({ type: 'status', status: 503, message: 'busy' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(chatBody())).status);
    expect(statuses).toEqual([500, 500, 503, 200]);
    const third = await postJson<OpenAiErrorJson>(chatUrl(), chatBody());
    expect(third.status).toBe(200);
  });

  it('matches faults by upstream model so one mock can back several deployments', async () => {
    mock.enqueueFault({ type: 'status', status: 500 }, { model: 'model-b' });
    expect((await post(chatBody('model-a'))).status).toBe(200);
    expect((await post(chatBody('model-b'))).status).toBe(500);
    expect((await post(chatBody('model-b'))).status).toBe(200);
    expect(mock.requests.map((r) => [r.model, r.fault?.type])).toEqual([
      ['model-a', undefined],
      ['model-b', 'status'],
      ['model-b', undefined],
    ]);
  });

  it('never consumes faults on GET /v1/models', async () => {
    mock.enqueueFault({ type: 'status', status: 500 });
    expect((await fetch(`${mock.openaiBaseUrl}/models`)).status).toBe(200);
    expect((await post(chatBody())).status).toBe(500);
  });

  it('adds latency from a fault and from setLatency; reset() restores the option', async () => {
    mock.enqueueFault({ type: 'latency', ms: 150 });
    let started = Date.now();
    expect((await post(chatBody())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    mock.setLatency(120);
    started = Date.now();
    await post(chatBody());
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    const record = mock.requests[1];
    expect(record.respondedAt! - record.receivedAt).toBeGreaterThanOrEqual(110);

    mock.reset();
    started = Date.now();
    await post(chatBody());
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('resets the connection without answering', async () => {
    mock.enqueueFault({ type: 'reset' });
    const error = await post(chatBody()).then(
      () => undefined,
      (err: unknown) => err,
    );
    // fetch's TypeError comes from another realm than jest's global, hence no toBeInstanceOf.
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    const cause = (error as TypeError).cause as { code?: string };
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(cause.code);
    await mock.waitForIdle();
    expect(mock.requests[0]).toMatchObject({ aborted: false, finished: false });
    expect(mock.requests[0].status).toBeUndefined();
    // The server keeps answering afterwards.
    expect((await post(chatBody())).status).toBe(200);
  });

  it('cuts a stream after some events', async () => {
    mock.enqueueFault({ type: 'cut-stream', afterChunks: 2 });
    const res = await post(chatBody('gpt-4o', true));
    expect(res.status).toBe(200);
    const { text, error } = await readUntilEnd(res);
    expect(error).toBeDefined();
    const events = parseSseText(text);
    expect(events).toHaveLength(2);
    expect(text).not.toContain('[DONE]');
    await mock.waitForIdle();
    expect(mock.requests[0]).toMatchObject({ aborted: false, finished: false, status: 200 });
  });

  it('cuts a non-streaming JSON body halfway', async () => {
    mock.enqueueFault({ type: 'cut-stream', afterChunks: 0 });
    const res = await post(chatBody());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('sends an in-stream error event for stream-error (OpenAI and Anthropic)', async () => {
    mock.enqueueFault({ type: 'stream-error', afterChunks: 1, message: 'boom' });
    const res = await post(chatBody('gpt-4o', true));
    const { text, error } = await readUntilEnd(res);
    expect(error).toBeUndefined();
    const events = parseSseText(text);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1].data)).toEqual({
      error: { message: 'boom', type: 'server_error', param: null, code: null },
    });

    mock.enqueueFault({ type: 'stream-error', afterChunks: 3 });
    const anthropic = await fetch(`${mock.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    const aEvents = parseSseText(await anthropic.text());
    expect(aEvents.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(JSON.parse(aEvents[3].data)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it('hangs until the client aborts, and records the abort', async () => {
    mock.enqueueFault({ type: 'hang' });
    const controller = new AbortController();
    const pending = post(chatBody(), controller.signal).catch((err: unknown) => err);
    await mock.waitForRequests(1);
    expect(mock.inFlight).toBe(1);
    expect(mock.requests[0].aborted).toBe(false);
    controller.abort();
    await expect(pending).resolves.toMatchObject({ name: 'AbortError' });
    const records = await mock.waitForAborted(1);
    expect(records[0]).toMatchObject({ aborted: true, finished: false });
    expect(records[0].closedAt).toBeGreaterThanOrEqual(records[0].receivedAt);
    await mock.waitForIdle();
    expect(mock.inFlight).toBe(0);
  });

  it('records a client abort in the middle of a slow stream', async () => {
    mock.setStreamChunkDelay(40);
    const controller = new AbortController();
    const res = await post(chatBody('gpt-4o', true), controller.signal);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
    controller.abort();
    const [record] = await mock.waitForAborted(1);
    expect(record).toMatchObject({ aborted: true, finished: false, stream: true });
  });

  it('waitForRequests times out with a clear error', async () => {
    await expect(mock.waitForRequests(1, 50)).rejects.toThrow(
      'timed out after 50 ms waiting for 1 request(s)',
    );
    const waiting = mock.waitFor((reqs) => reqs.some((r) => r.model === 'wanted'), 2_000);
    await post(chatBody('other'));
    await post(chatBody('wanted'));
    expect((await waiting).map((r) => r.model)).toEqual(['other', 'wanted']);
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const once = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = httpRequest(
          chatUrl(),
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(req.reusedSocket));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(chatBody()));
      });
    try {
      expect(await once()).toBe(false);
      expect(await once()).toBe(true);
      expect(mock.connectionCount).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('can run without recording but still counts requests', async () => {
    const quiet = await MockLlmUpstream.start({ recordRequests: false });
    try {
      const res = await postJson<ChatCompletionJson>(`${quiet.openaiBaseUrl}/chat/completions`, chatBody());
      expect(res.status).toBe(200);
      await quiet.waitForRequests(1);
      expect(quiet.requests).toHaveLength(0);
      expect(quiet.requestCount).toBe(1);
    } finally {
      await quiet.close();
    }
  });

  it('close() ends hanging requests', async () => {
    const other = await MockLlmUpstream.start();
    other.enqueueFault({ type: 'hang' });
    const pending = fetch(`${other.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chatBody()),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await other.waitForRequests(1);
    await other.close();
    await expect(pending).resolves.toBe('failed');
    expect(other.requests[0].aborted).toBe(false);
  });
});

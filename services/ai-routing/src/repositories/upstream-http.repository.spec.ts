import { MockLlmUpstream } from '@brainmesh/llm-mock-upstream';
import { UpstreamError } from '../domain/upstream';
import { UpstreamHttpRepository } from './upstream-http.repository';

const KEY = 'sk-secret-repository-key-000111';

async function failure(work: Promise<unknown>): Promise<UpstreamError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

describe('UpstreamHttpRepository against a real loopback server', () => {
  let mock: MockLlmUpstream;
  let http: UpstreamHttpRepository;
  const signal = () => new AbortController().signal;
  const chat = (content = 'x') =>
    JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content }] });

  beforeAll(async () => {
    mock = await MockLlmUpstream.start();
    http = new UpstreamHttpRepository({ connectionsPerOrigin: 8 });
  });
  afterAll(async () => {
    await http.close();
    await mock.close();
  });
  afterEach(() => mock.reset());

  it('returns status, headers and a readable body; GET and POST', async () => {
    const res = await http.request({
      url: `${mock.openaiBaseUrl}/models`,
      method: 'GET',
      headers: {},
      signal: signal(),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(await res.body.text())).toMatchObject({ object: 'list' });

    const post = await http.request({
      url: `${mock.openaiBaseUrl}/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: chat('hi'),
      signal: signal(),
    });
    let text = '';
    for await (const chunk of post.body) text += Buffer.from(chunk).toString('utf8');
    expect(text).toContain('data: [DONE]');
    expect(mock.requests[1]).toMatchObject({ method: 'POST', body: { model: 'gpt-4o' } });
    expect(mock.requests[1].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('keeps connections alive between sequential requests and does not pipeline concurrent ones', async () => {
    const own = new UpstreamHttpRepository();
    const get = () =>
      own.request({ url: `${mock.openaiBaseUrl}/models`, method: 'GET', headers: {}, signal: signal() });
    try {
      for (let i = 0; i < 5; i++) {
        await (await get()).body.text();
        // undici returns the connection to the pool just after the body's end event.
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(mock.requestCount).toBe(5);
      expect(mock.connectionCount).toBe(1);

      mock.setLatency(100);
      const concurrent = await Promise.all([get(), get(), get(), get()]);
      await Promise.all(concurrent.map((r) => r.body.text()));
      // The idle connection was reused and three more were opened: one request per connection.
      expect(mock.connectionCount).toBe(4);
    } finally {
      await own.close();
    }
  });

  it('destroying an unread body aborts the upstream request', async () => {
    mock.setStreamChunkDelay(50);
    const res = await http.request({
      url: `${mock.openaiBaseUrl}/chat/completions`,
      headers: {},
      body: chat(),
      signal: signal(),
    });
    expect(res.status).toBe(200);
    res.body.destroy();
    const [record] = await mock.waitForAborted(1);
    expect(record.finished).toBe(false);
  });

  it('maps an abort to cancelled, before the request and while waiting for the head', async () => {
    const controller = new AbortController();
    controller.abort();
    const early = await failure(
      http.request({
        url: `${mock.openaiBaseUrl}/chat/completions`,
        headers: {},
        body: chat(),
        signal: controller.signal,
      }),
    );
    expect(early.kind).toBe('cancelled');
    expect(mock.requestCount).toBe(0);

    mock.enqueueFault({ type: 'hang' });
    const later = new AbortController();
    const pending = failure(
      http.request({
        url: `${mock.openaiBaseUrl}/chat/completions`,
        headers: {},
        body: chat(),
        signal: later.signal,
      }),
    );
    await mock.waitForRequests(1);
    later.abort(new Error('attempt timer'));
    const err = await pending;
    expect(err.kind).toBe('cancelled');
    expect((err.cause as Error).message).toBe('attempt timer');
    await mock.waitForAborted(1);
  });

  it('maps resets, refused connections and bad URLs to connection errors without credentials', async () => {
    mock.enqueueFault({ type: 'reset' });
    const reset = await failure(
      http.request({
        url: `${mock.openaiBaseUrl}/chat/completions`,
        headers: { authorization: `Bearer ${KEY}` },
        body: chat(),
        signal: signal(),
      }),
    );
    expect(reset.kind).toBe('connection');
    expect(reset.message).toContain(`POST ${mock.url}/v1/chat/completions`);
    expect(reset.message).not.toContain(KEY);

    const gone = await MockLlmUpstream.start();
    const goneUrl = gone.url;
    await gone.close();
    const refused = await failure(
      http.request({
        url: `${goneUrl}/v1/models`,
        method: 'GET',
        headers: { 'x-api-key': KEY },
        signal: signal(),
      }),
    );
    expect(refused.kind).toBe('connection');
    expect(refused.message).toContain('ECONNREFUSED');
    expect(refused.message).not.toContain(KEY);

    expect((await failure(http.request({ url: 'not a url', headers: {}, signal: signal() }))).kind).toBe(
      'connection',
    );
  });

  it('close() gives in-flight requests a grace period, then destroys them', async () => {
    const own = new UpstreamHttpRepository();
    mock.enqueueFault({ type: 'hang' });
    const pending = failure(
      own.request({
        url: `${mock.openaiBaseUrl}/chat/completions`,
        headers: {},
        body: chat(),
        signal: signal(),
      }),
    );
    await mock.waitForRequests(1);
    const started = Date.now();
    await own.close(100);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await pending).kind).toBe('connection');
    await own.onModuleDestroy(); // idempotent
    const after = await failure(
      own.request({ url: `${mock.openaiBaseUrl}/models`, method: 'GET', headers: {}, signal: signal() }),
    );
    expect(after.kind).toBe('connection');
  });

  it('close() waits for a request that finishes within the grace period', async () => {
    const own = new UpstreamHttpRepository();
    mock.setLatency(80);
    const pending = own
      .request({ url: `${mock.openaiBaseUrl}/models`, method: 'GET', headers: {}, signal: signal() })
      .then((res) => res.body.text());
    await mock.waitForRequests(1);
    await own.close(2_000);
    expect(JSON.parse(await pending)).toMatchObject({ object: 'list' });
  });
});

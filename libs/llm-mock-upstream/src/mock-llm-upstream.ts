import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicAuth, anthropicError, anthropicMessages, anthropicModels } from './anthropic-format';
import { type Answer, type FormatSettings, type JsonAnswer, defaultReply } from './answer';
import { isRecord, splitWords } from './content';
import {
  azureError,
  openAiAuth,
  openAiChat,
  openAiEmbeddings,
  openAiError,
  openAiModels,
  openAiStatusError,
} from './openai-format';
import type {
  MockFault,
  MockFaultOptions,
  MockLlmUpstreamOptions,
  MockProvider,
  MockRequestRecord,
} from './types';

type Operation = 'chat' | 'embeddings' | 'messages' | 'models' | 'unknown';

interface Route {
  provider: MockProvider;
  operation: Operation;
  deployment?: string;
}

interface QueuedFault {
  fault: MockFault;
  model?: string;
  remaining: number;
}

/** Per-request bookkeeping that is not part of the public record. */
interface RequestState {
  record?: MockRequestRecord;
  /** The mock itself destroyed the connection (reset / cut-stream fault, close()). */
  serverClosed: boolean;
}

const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;
const AZURE_API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'claude-sonnet-4-5'];

function resolveRoute(method: string, path: string, headers: IncomingHttpHeaders): Route {
  if (method === 'POST') {
    if (path === '/v1/chat/completions') return { provider: 'openai', operation: 'chat' };
    if (path === '/v1/embeddings') return { provider: 'openai', operation: 'embeddings' };
    if (path === '/v1/messages') return { provider: 'anthropic', operation: 'messages' };
    const azure = AZURE_PATH.exec(path);
    if (azure)
      return {
        provider: 'azure-openai',
        operation: azure[2] === 'embeddings' ? 'embeddings' : 'chat',
        deployment: decodeURIComponent(azure[1]),
      };
  } else if (method === 'GET' && path === '/v1/models') {
    return {
      provider: headers['anthropic-version'] === undefined ? 'openai' : 'anthropic',
      operation: 'models',
    };
  }
  if (path.startsWith('/openai/')) return { provider: 'azure-openai', operation: 'unknown' };
  return {
    provider: headers['anthropic-version'] === undefined ? 'openai' : 'anthropic',
    operation: 'unknown',
  };
}

/** Resolves after `ms`, or early with false when the response closes (client gone). */
function pause(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/**
 * A real HTTP server on 127.0.0.1 speaking the OpenAI, Azure OpenAI and Anthropic Messages wire
 * formats (JSON and SSE), with programmable faults, so clients are tested against the protocol
 * rather than against mocks of their HTTP library. Replies are deterministic; usage counts words.
 * Per-request work is small (no recording cost beyond one object) so benchmarks can drive it hard.
 */
export class MockLlmUpstream {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Base URL for OpenAI clients: `${url}/v1`. */
  readonly openaiBaseUrl: string;
  /** Base URL for Anthropic clients (they append `/v1/messages`). */
  readonly anthropicBaseUrl: string;
  /** Base URL for Azure OpenAI clients (they append `/openai/deployments/...`). */
  readonly azureBaseUrl: string;
  readonly port: number;

  private readonly settings: FormatSettings;
  private readonly record: boolean;
  private readonly recorded: MockRequestRecord[] = [];
  private readonly faults: QueuedFault[] = [];
  private readonly waiters = new Set<() => void>();
  private latencyMs: number;
  private chunkDelayMs: number;
  private active = 0;
  private seq = 0;
  private abortedCount = 0;
  private connections = 0;
  private closing = false;

  private constructor(
    private readonly server: Server,
    private readonly options: MockLlmUpstreamOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.openaiBaseUrl = `${this.url}/v1`;
    this.anthropicBaseUrl = this.url;
    this.azureBaseUrl = this.url;
    this.latencyMs = options.latencyMs ?? 0;
    this.chunkDelayMs = options.streamChunkDelayMs ?? 0;
    this.record = options.recordRequests ?? true;
    this.settings = {
      apiKey: options.apiKey,
      reply: options.reply ?? defaultReply,
      streamChunks: options.streamChunks ?? splitWords,
      embeddingDimensions: options.embeddingDimensions,
      models: options.models ?? DEFAULT_MODELS,
    };
  }

  /** Starts a mock on 127.0.0.1 (`options.port`, default any free port). */
  static async start(options: MockLlmUpstreamOptions = {}): Promise<MockLlmUpstream> {
    const server = createServer({ requestTimeout: 0 });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const mock = new MockLlmUpstream(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => mock.onRequest(req, res));
    server.on('connection', () => mock.connections++);
    return mock;
  }

  /** Every request received since start/reset, in arrival order (empty when `recordRequests` is off). */
  get requests(): readonly MockRequestRecord[] {
    return this.recorded;
  }

  /** Requests received since start/reset (counted even when recording is off). */
  get requestCount(): number {
    return this.seq;
  }

  /** TCP connections accepted since start/reset (keep-alive reuse shows as fewer connections than requests). */
  get connectionCount(): number {
    return this.connections;
  }

  /** Requests whose response is not finished yet (connections still being answered). */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Queues a fault for the next `times` (default 1) inference requests (chat, embeddings,
   * messages; never `GET /v1/models`) for `model` (any model when omitted). Faults are consumed
   * FIFO: a request takes the first queued fault that matches it.
   */
  enqueueFault(fault: MockFault, options: MockFaultOptions = {}): void {
    this.faults.push({ fault, model: options.model, remaining: options.times ?? 1 });
  }

  /** Drops queued faults that no request consumed. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Latency added before every answer from now on. */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Delay between SSE events from now on. */
  setStreamChunkDelay(ms: number): void {
    this.chunkDelayMs = ms;
  }

  /** Resolves with the records once `count` requests arrived since start/reset. */
  waitForRequests(count: number, timeoutMs = 5_000): Promise<readonly MockRequestRecord[]> {
    return this.waitUntil(() => this.seq >= count, timeoutMs, `${count} request(s)`);
  }

  /** Resolves once `count` requests were aborted by their client (connection closed mid-answer). */
  waitForAborted(count = 1, timeoutMs = 5_000): Promise<readonly MockRequestRecord[]> {
    return this.waitUntil(() => this.abortedCount >= count, timeoutMs, `${count} aborted request(s)`);
  }

  /** Resolves once no response is in flight. */
  waitForIdle(timeoutMs = 5_000): Promise<readonly MockRequestRecord[]> {
    return this.waitUntil(() => this.active === 0, timeoutMs, 'no request in flight');
  }

  /** Resolves once `predicate(requests)` holds (checked on every request event). */
  waitFor(
    predicate: (requests: readonly MockRequestRecord[]) => boolean,
    timeoutMs = 5_000,
  ): Promise<readonly MockRequestRecord[]> {
    return this.waitUntil(() => predicate(this.recorded), timeoutMs, 'predicate');
  }

  /** Forgets recorded requests and queued faults; latency and chunk delay return to the options. */
  reset(): void {
    this.recorded.length = 0;
    this.faults.length = 0;
    this.seq = 0;
    this.abortedCount = 0;
    this.connections = 0;
    this.latencyMs = this.options.latencyMs ?? 0;
    this.chunkDelayMs = this.options.streamChunkDelayMs ?? 0;
  }

  /** Stops listening and destroys every connection (hanging requests included). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.notify();
  }

  private waitUntil(
    check: () => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<readonly MockRequestRecord[]> {
    if (check()) return Promise.resolve(this.recorded);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(this.recorded);
        } else if (this.closing) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(new Error(`mock-llm closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`mock-llm: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) waiter();
  }

  private takeFault(model: string | undefined): MockFault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const queued = this.faults[i];
      if (queued.model !== undefined && queued.model !== model) continue;
      if (--queued.remaining <= 0) this.faults.splice(i, 1);
      return queued.fault;
    }
    return undefined;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.active++;
    const state: RequestState = { serverClosed: false };
    res.once('close', () => {
      this.active--;
      const record = state.record;
      if (record) {
        record.closedAt = Date.now();
        record.finished = res.writableFinished;
        if (!res.writableFinished && !state.serverClosed && !this.closing) {
          record.aborted = true;
          this.abortedCount++;
        }
      }
      this.notify();
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      this.dispatch(req, res, state, raw).catch((err: unknown) => {
        console.error('mock-llm: handler failed', err);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        } else res.destroy();
      });
    });
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    raw: Buffer,
  ): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query: Record<string, string> =
      q < 0 ? {} : Object.fromEntries(new URLSearchParams(rawUrl.slice(q + 1)));
    const method = req.method ?? 'GET';
    const route = resolveRoute(method, path, req.headers);
    let body: unknown;
    let unparseable = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        unparseable = true;
      }
    }
    const model =
      route.deployment ?? (isRecord(body) && typeof body.model === 'string' ? body.model : undefined);
    const inference =
      route.operation === 'chat' || route.operation === 'embeddings' || route.operation === 'messages';
    const fault = inference ? this.takeFault(model) : undefined;
    const record: MockRequestRecord = {
      seq: ++this.seq,
      provider: route.provider,
      method,
      path,
      query,
      headers: req.headers,
      body,
      model,
      stream: isRecord(body) && body.stream === true,
      fault,
      aborted: false,
      finished: false,
      receivedAt: Date.now(),
    };
    state.record = record;
    if (this.record) this.recorded.push(record);
    this.notify();

    const latency = this.latencyMs + (fault?.type === 'latency' ? fault.ms : 0);
    if (latency > 0 && !(await pause(latency, res))) return;
    if (fault?.type === 'hang') return;
    if (fault?.type === 'reset') {
      state.serverClosed = true;
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.type === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      const answer =
        route.provider === 'anthropic'
          ? anthropicError(fault.status, fault.message, headers)
          : openAiStatusError(route.provider, fault.status, fault.message, headers);
      return this.send(res, state, route.provider, answer, undefined);
    }
    const answer = this.answer(route, `${method} ${path}`, req.headers, query, body, unparseable);
    return this.send(res, state, route.provider, answer, fault);
  }

  private answer(
    route: Route,
    target: string,
    headers: IncomingHttpHeaders,
    query: Record<string, string>,
    body: unknown,
    unparseable: boolean,
  ): Answer {
    const { provider, operation } = route;
    if (operation === 'unknown') {
      if (provider === 'azure-openai') return azureError(404, '404', 'Resource not found');
      if (provider === 'anthropic') return anthropicError(404, 'Not found');
      return openAiError(404, `Invalid URL (${target})`, 'invalid_request_error');
    }
    if (operation === 'models') {
      if (provider === 'anthropic')
        return anthropicAuth(headers, this.settings.apiKey) ?? anthropicModels(this.settings);
      return openAiAuth('openai', headers, this.settings.apiKey) ?? openAiModels(this.settings);
    }
    if (provider === 'azure-openai') {
      const version = query['api-version'];
      if (version === undefined) return azureError(404, '404', 'Resource not found');
      if (!AZURE_API_VERSION.test(version)) return azureError(400, 'BadRequest', 'API version not supported');
    }
    const denied =
      provider === 'anthropic'
        ? anthropicAuth(headers, this.settings.apiKey)
        : openAiAuth(provider, headers, this.settings.apiKey);
    if (denied) return denied;
    if (unparseable || !isRecord(body)) {
      if (provider === 'anthropic')
        return anthropicError(400, 'There was an error parsing the body of your request');
      return openAiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        'invalid_request_error',
      );
    }
    if (provider === 'anthropic') return anthropicMessages(body, this.settings);
    const model = route.deployment ?? (typeof body.model === 'string' ? body.model : '');
    return operation === 'embeddings'
      ? openAiEmbeddings(body, provider, model, this.settings)
      : openAiChat(body, provider, model, this.settings);
  }

  private async send(
    res: ServerResponse,
    state: RequestState,
    provider: MockProvider,
    answer: Answer,
    fault: MockFault | undefined,
  ): Promise<void> {
    const record = state.record;
    const requestId = `req_${record?.seq ?? 0}`;
    const idHeader =
      provider === 'anthropic'
        ? 'request-id'
        : provider === 'azure-openai'
          ? 'apim-request-id'
          : 'x-request-id';
    if (record) {
      record.status = answer.kind === 'json' ? answer.status : 200;
      record.respondedAt = Date.now();
    }
    const destroy = () => {
      state.serverClosed = true;
      res.socket?.destroy();
    };
    if (answer.kind === 'json') {
      const json = JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...answer.headers,
        [idHeader]: requestId,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(json)),
      });
      if (fault?.type === 'cut-stream' && (answer as JsonAnswer).status < 300) {
        res.write(json.slice(0, Math.floor(json.length / 2)), destroy);
        return;
      }
      res.end(json);
      return;
    }

    res.writeHead(200, {
      ...answer.headers,
      [idHeader]: requestId,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    let events = answer.events;
    let cut = false;
    if (fault?.type === 'cut-stream') {
      events = events.slice(0, fault.afterChunks);
      cut = true;
    } else if (fault?.type === 'stream-error') {
      events = [...events.slice(0, fault.afterChunks), answer.errorEvent(fault.message)];
    }
    const finish = () => {
      if (!cut) {
        res.end();
        return;
      }
      state.serverClosed = true;
      // Let the head and the events already written reach the client before the cut.
      setTimeout(destroy, 5);
    };
    if (this.chunkDelayMs <= 0) {
      if (events.length > 0) res.write(events.join(''));
      else res.flushHeaders();
      finish();
      return;
    }
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && !(await pause(this.chunkDelayMs, res))) return;
      res.write(events[i]);
    }
    if (events.length === 0) res.flushHeaders();
    finish();
  }
}

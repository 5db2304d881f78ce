import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { runWithRequestContext, type Logger } from '@brainmesh/logging';
import { counter, histogram, type Registry } from '@brainmesh/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's `X-Request-Id` when it is safe to log, otherwise generates one. */
export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && REQUEST_ID_PATTERN.test(candidate) ? candidate : randomUUID();
}

const timings = new WeakMap<FastifyRequest, { span?: Span; start: bigint }>();

/** Paths that probes and scrapers hit constantly: no span, no access log line. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-request plumbing on the Fastify instance: request id echoed in `X-Request-Id`, a SERVER
 * span continuing the caller's W3C trace context, request context for log lines, the
 * `http_request_duration_seconds` histogram and one access log line per request.
 */
export function installRequestLifecycle(
  fastify: FastifyInstance,
  options: { service: string; logger: Logger; registry: Registry },
): void {
  const labels = ['method', 'route', 'status_code'] as const;
  const duration = histogram(
    options.registry,
    'http_request_duration_seconds',
    'HTTP request latency',
    labels,
  );
  const requests = counter(options.registry, 'http_requests_total', 'HTTP requests', labels);
  const tracer = trace.getTracer(`brainmesh.${options.service}`);

  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', String(request.id));
    const path = request.url.split('?')[0]!;
    if (QUIET_PATHS.has(path)) {
      timings.set(request, { start: process.hrtime.bigint() });
      runWithRequestContext({ requestId: String(request.id) }, done);
      return;
    }
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} ${request.routeOptions.url ?? path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': path } },
      parent,
    );
    timings.set(request, { span, start: process.hrtime.bigint() });
    const ctx = trace.setSpan(parent, span);
    runWithRequestContext({ requestId: String(request.id) }, () => context.with(ctx, done));
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const entry = timings.get(request);
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = entry ? Number(process.hrtime.bigint() - entry.start) / 1e9 : 0;
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    duration.observe(labels, seconds);
    requests.inc(labels);
    const span = entry?.span;
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      span.setAttribute('http.route', route);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      options.logger.info(
        {
          method: request.method,
          path: request.url.split('?')[0],
          route,
          status: reply.statusCode,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
          request_id: String(request.id),
          trace_id: span.spanContext().traceId,
        },
        'request completed',
      );
    }
    done();
  });
}

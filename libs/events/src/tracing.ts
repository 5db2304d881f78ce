import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
} from '@opentelemetry/api';

const TRACER_NAME = '@brainmesh/events';

/** The W3C `traceparent` of the active context, when a propagator is installed and a span is active. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

export interface ConsumeSpanInfo {
  topic: string;
  group: string;
  partition: number;
  offset: string;
  eventId: string;
  eventType: string;
  key: string;
  system: 'kafka' | 'in-process';
}

/**
 * Runs `fn` inside a CONSUMER span whose parent is the producer's trace (from `traceparent`),
 * so the handler's own spans and logs join the trace of the operation that emitted the event.
 */
export async function inConsumerSpan<T>(
  traceparent: string | undefined,
  info: ConsumeSpanInfo,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const attributes: Attributes = {
    'messaging.system': info.system,
    'messaging.operation.type': 'process',
    'messaging.destination.name': info.topic,
    'messaging.consumer.group.name': info.group,
    'messaging.destination.partition.id': String(info.partition),
    'messaging.kafka.offset': info.offset,
    'messaging.kafka.message.key': info.key,
    'messaging.message.id': info.eventId,
    'brainmesh.event.type': info.eventType,
  };
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(
      `process ${info.topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      async (span) => {
        try {
          return await fn();
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

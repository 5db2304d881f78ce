import type { Actor } from '@brainmesh/access-control';
import { trace } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';

/** Who is calling and when: everything a call's accounting needs besides its outcome. */
export interface CallContext {
  tenantId: string;
  apiKeyId: string | null;
  userId: string | null;
  /** What per-key limits count against: the API key, or the user for token callers. */
  subjectKey: string;
  requestId: string;
  traceId: string;
  startedAt: Date;
  /** performance.now() at the start, for latencies. */
  startedMs: number;
}

export function callContext(actor: Actor, requestId: string): CallContext {
  const apiKeyId = actor.subjectType === 'api_key' ? actor.subjectId : null;
  const userId = actor.subjectType === 'user' ? actor.subjectId : null;
  return {
    tenantId: actor.tenantId!,
    apiKeyId,
    userId,
    subjectKey: `${actor.subjectType}:${actor.subjectId}`,
    requestId,
    traceId: trace.getActiveSpan()?.spanContext().traceId ?? '',
    startedAt: new Date(),
    startedMs: performance.now(),
  };
}

export const elapsedMs = (ctx: CallContext): number => performance.now() - ctx.startedMs;

import { z } from 'zod';
import { defineEvent } from '../define-event';
import { TOPICS } from '../topics';

/** A harmless probe event, published by any service to check the event path end to end. */
export const DiagnosticsProbeEvent = defineEvent({
  type: 'diagnostics.probe',
  version: 1,
  topic: TOPICS.diagnostics,
  schema: z.object({
    service: z.string().min(1),
    note: z.string(),
  }),
});

export type DiagnosticsProbe = z.output<typeof DiagnosticsProbeEvent.schema>;

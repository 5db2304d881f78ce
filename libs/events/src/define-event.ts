import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { EventValidationError, parseEnvelope, type EventEnvelope } from './envelope';
import { activeTraceparent } from './tracing';

export interface CreateEventOptions {
  /** Partitioning key; defaults to the tenant id. */
  key?: string;
  /** When the fact happened; defaults to now. */
  occurredAt?: Date;
}

export interface EventDefinition<T> {
  readonly type: string;
  readonly version: number;
  /** The topic this event is published on (from `TOPICS`). */
  readonly topic: string;
  readonly schema: z.ZodType<T>;
  /**
   * A new envelope: validates `data`, assigns a UUID v7 id, and captures the active trace context
   * as `traceparent`. Throws `EventValidationError` on invalid data.
   */
  create(tenantId: string, data: T, options?: CreateEventOptions): EventEnvelope<T>;
  /** Validates an envelope of this type and version (e.g. one received by a handler). */
  parse(envelope: unknown): EventEnvelope<T>;
  /** True when `envelope` has this definition's type and version (no data validation). */
  matches(envelope: Pick<EventEnvelope, 'type' | 'version'>): boolean;
}

const describe = (type: string, version: number) => `${type} v${version}`;

function validateData<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new EventValidationError(`invalid data for ${what}: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * Looks up event definitions by type and version; `OutboxWriter` uses it to find an envelope's
 * topic. `defineEvent` registers into `eventCatalog` unless told otherwise.
 */
export class EventCatalog {
  private readonly byTypeVersion = new Map<string, EventDefinition<unknown>>();

  register<T>(definition: EventDefinition<T>): void {
    const id = describe(definition.type, definition.version);
    const existing = this.byTypeVersion.get(id);
    if (existing && existing.topic !== definition.topic) {
      throw new Error(`event ${id} is already defined on topic ${existing.topic}, not ${definition.topic}`);
    }
    this.byTypeVersion.set(id, definition as EventDefinition<unknown>);
  }

  find(type: string, version: number): EventDefinition<unknown> | undefined {
    return this.byTypeVersion.get(describe(type, version));
  }

  get(type: string, version: number): EventDefinition<unknown> {
    const definition = this.find(type, version);
    if (!definition) {
      throw new Error(
        `event ${describe(type, version)} is not defined (defineEvent it and import the definition)`,
      );
    }
    return definition;
  }
}

/** The catalog `defineEvent` registers into by default. */
export const eventCatalog = new EventCatalog();

export interface DefineEventInput<S extends z.ZodType> {
  type: string;
  version: number;
  topic: string;
  schema: S;
  /** Catalog to register into (default `eventCatalog`). */
  catalog?: EventCatalog;
}

/** Declares an event type: its version, topic and the zod schema of its data. */
export function defineEvent<S extends z.ZodType>(input: DefineEventInput<S>): EventDefinition<z.output<S>> {
  type T = z.output<S>;
  const { type, version, topic } = input;
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(type)) {
    throw new Error(`event type "${type}" must be dotted lower-case, e.g. "diagnostics.probe"`);
  }
  if (!Number.isInteger(version) || version < 1)
    throw new Error(`event ${type}: version must be a positive integer`);
  if (!topic) throw new Error(`event ${type}: topic is required`);
  const schema = input.schema as z.ZodType<T>;
  const what = describe(type, version);

  const definition: EventDefinition<T> = {
    type,
    version,
    topic,
    schema,
    create(tenantId, data, options = {}) {
      if (!tenantId) throw new EventValidationError(`${what}: tenantId is required`);
      const envelope: EventEnvelope<T> = {
        id: uuidv7(),
        type,
        version,
        tenantId,
        occurredAt: (options.occurredAt ?? new Date()).toISOString(),
        key: options.key ?? tenantId,
        data: validateData(schema, data, what),
      };
      const traceparent = activeTraceparent();
      if (traceparent) envelope.traceparent = traceparent;
      return envelope;
    },
    parse(value) {
      const envelope = parseEnvelope(value);
      if (envelope.type !== type || envelope.version !== version) {
        throw new EventValidationError(`expected ${what}, got ${describe(envelope.type, envelope.version)}`);
      }
      return { ...envelope, data: validateData(schema, envelope.data, what) };
    },
    matches(envelope) {
      return envelope.type === type && envelope.version === version;
    },
  };
  (input.catalog ?? eventCatalog).register(definition);
  return definition;
}

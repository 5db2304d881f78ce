import type { Type } from '@nestjs/common';
import type { ServiceDefinition as GrpcServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EntityList, MigrationClass } from '@brainmesh/db';
import type { EventEnvelope } from '@brainmesh/events';
import type { z } from '@brainmesh/config';
import type { BaseServiceConfig } from './service-config';

/** A Nest provider that translates gRPC calls to use cases (one delegating line per method). */
export interface GrpcHandler {
  readonly implementation: UntypedServiceImplementation;
}

/** A gRPC service of this process: the contract's definition and the Nest provider implementing it. */
export interface GrpcBinding {
  definition: GrpcServiceDefinition;
  handler: Type<GrpcHandler>;
}

/** A Kafka consumer group of this service; implementations make `handle` idempotent (handleOnce). */
export interface EventSubscriber {
  readonly groupId: string;
  readonly topics: string[];
  /** Where a brand-new consumer group starts: the topic's beginning, or (default) its end. */
  readonly fromBeginning?: boolean;
  handle(envelope: EventEnvelope<unknown>): Promise<void>;
}

/** Everything the runtime needs to host one brainmesh service. */
export interface ServiceDefinition<C extends BaseServiceConfig = BaseServiceConfig> {
  /** Short name: gateway, auth, orchestrator, knowledge, ai-routing, analytics. */
  name: string;
  version: string;
  configSchema: z.ZodType<C>;
  /** The service's Nest module (controllers, use cases, repositories). */
  module: Type<unknown>;
  /** Present when the service owns a database (then it also gets the outbox relay). */
  database?: {
    entities: Extract<EntityList, unknown[]>;
    migrations: MigrationClass[];
  };
  grpc?: GrpcBinding[];
  subscribers?: Type<EventSubscriber>[];
}

export function defineService<C extends BaseServiceConfig>(
  definition: ServiceDefinition<C>,
): ServiceDefinition<C> {
  return definition;
}

import {
  Client,
  credentials,
  Metadata,
  type Server,
  type ServerWritableStream,
  type ServiceError,
  status as Status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation, service as healthDefinition } from 'grpc-health-check';

import { isRecord } from './errors';

/** Fully-qualified name of the standard health service (`grpc.health.v1.Health`). */
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export type HealthCheckResult = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

type HealthServerLike = Parameters<HealthImplementation['addToServer']>[0];
type WatchCall = ServerWritableStream<unknown, unknown>;

/**
 * Standard gRPC health service (Check, Watch, List) from `grpc-health-check`, plus the ability to
 * end open Watch streams so a graceful shutdown is not held open by long-lived watchers.
 */
export class HealthService {
  private readonly impl = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly watches = new Set<WatchCall>();

  addToServer(server: Server): void {
    const proxy: HealthServerLike = {
      addService: (definition, implementation) => {
        const watch = implementation.watch as (call: WatchCall) => void;
        const wrapped: UntypedServiceImplementation = {
          ...implementation,
          watch: (call: WatchCall) => {
            this.watches.add(call);
            const forget = (): void => void this.watches.delete(call);
            call.on('cancelled', forget);
            call.on('finish', forget);
            watch(call);
          },
        };
        server.addService(definition, wrapped);
      },
    };
    this.impl.addToServer(proxy);
  }

  setStatus(service: string, status: ServingStatus): void {
    this.impl.setStatus(service, status);
  }

  /** Completes every open Watch stream with OK after its last status update was written. */
  endWatches(): void {
    for (const call of this.watches) {
      if (!call.cancelled && !call.writableEnded) call.end();
    }
    this.watches.clear();
  }
}

/**
 * Calls `grpc.health.v1.Health/Check` on `address` (plaintext). Never rejects:
 * - 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' as reported by the server,
 * - 'SERVICE_UNKNOWN' when the server does not know `service` (NOT_FOUND),
 * - 'UNKNOWN' when the server answers but does not implement the health service,
 * - 'UNREACHABLE' when no answer arrives within `deadlineMs` (connection refused, timeout, ...).
 */
export function checkHealth(address: string, service = '', deadlineMs = 1000): Promise<HealthCheckResult> {
  const check = healthDefinition.Check;
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.service_config_disable_resolution': 1,
  });
  return new Promise<HealthCheckResult>((resolve) => {
    client.makeUnaryRequest(
      check.path,
      check.requestSerialize,
      check.responseDeserialize,
      { service },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err: ServiceError | null, response?: object) => {
        client.close();
        if (err) {
          if (err.code === Status.NOT_FOUND) resolve('SERVICE_UNKNOWN');
          else if (err.code === Status.UNIMPLEMENTED) resolve('UNKNOWN');
          else resolve('UNREACHABLE');
          return;
        }
        const status = isRecord(response) ? response.status : undefined;
        resolve(
          status === 'SERVING' || status === 'NOT_SERVING' || status === 'SERVICE_UNKNOWN'
            ? status
            : 'UNKNOWN',
        );
      },
    );
  });
}

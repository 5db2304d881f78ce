import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Identity of this running service instance, as answered by GetServiceInfo. */
export class ServiceInfo {
  readonly instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly startedAt = new Date().toISOString();

  constructor(
    readonly service: string,
    readonly version: string,
    readonly embedded: boolean,
  ) {}

  toMessage(): {
    service: string;
    version: string;
    instanceId: string;
    startedAt: string;
    embedded: boolean;
  } {
    return {
      service: this.service,
      version: this.version,
      instanceId: this.instanceId,
      startedAt: this.startedAt,
      embedded: this.embedded,
    };
  }
}

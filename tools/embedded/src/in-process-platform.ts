import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { aiRoutingService } from '@brainmesh/ai-routing';
import { analyticsService } from '@brainmesh/analytics';
import { authService } from '@brainmesh/auth';
import { loadConfig, type Env } from '@brainmesh/config';
import { InProcessEventBus } from '@brainmesh/events';
import { gatewayService } from '@brainmesh/gateway';
import { knowledgeService } from '@brainmesh/knowledge';
import { createLogger, type Logger } from '@brainmesh/logging';
import { orchestratorService } from '@brainmesh/orchestrator';
import {
  ServiceHost,
  type BaseServiceConfig,
  type ServiceDefinition,
  type StartedService,
} from '@brainmesh/runtime';
import type { DestinationStream } from 'pino';

/** The services that own a database, started before the gateway. */
const BACKEND_SERVICES: ServiceDefinition<BaseServiceConfig>[] = [
  authService,
  aiRoutingService,
  knowledgeService,
  orchestratorService,
  analyticsService,
];

export interface InProcessPlatformOptions {
  /**
   * Embedded storage: each service's PGlite database lives in `<dataDir>/<service>` (or
   * `memory://`). Ignored for services whose `serviceEnv` gives a DATABASE_URL.
   */
  dataDir?: string;
  /** Per-service environment overrides, e.g. real DATABASE_URL/KAFKA_BROKERS in tests. */
  serviceEnv?: (service: string) => Env;
  /** `memory` (default): one in-process bus shared by all services; `kafka`: KAFKA_BROKERS from serviceEnv. */
  eventBus?: 'memory' | 'kafka';
  /** The gateway's port (0 picks a free one). Internal services use free loopback ports. */
  gatewayPort: number;
  gatewayHost?: string;
  logLevel?: string;
  logDestination?: DestinationStream;
  /** Progress lines for people watching start-up. */
  onProgress?: (line: string) => void;
}

/**
 * Every brainmesh service in one process, talking gRPC over loopback. With no options beyond a
 * data dir this is the embedded mode of `npm start` (PGlite per service, one in-process event bus,
 * no external server); tests point it at real Postgres and Kafka with `serviceEnv`.
 */
export class InProcessPlatform {
  readonly logger: Logger;
  readonly bus?: InProcessEventBus;
  private readonly hosts: ServiceHost[] = [];
  private gateway?: ServiceHost;

  constructor(private readonly options: InProcessPlatformOptions) {
    this.logger = createLogger({
      service: 'brainmesh',
      level: options.logLevel ?? 'info',
      destination: options.logDestination,
    });
    if ((options.eventBus ?? 'memory') === 'memory') {
      this.bus = new InProcessEventBus({ logger: this.logger.child({ component: 'event-bus' }) });
    }
  }

  get services(): ServiceHost[] {
    return [...this.hosts, ...(this.gateway ? [this.gateway] : [])];
  }

  host(name: string): ServiceHost {
    const host = this.services.find((h) => h.definition.name === name);
    if (!host) throw new Error(`no service named ${name}`);
    return host;
  }

  async start(): Promise<{ gatewayUrl: string; services: StartedService[] }> {
    const progress = this.options.onProgress ?? (() => undefined);
    await this.bus?.connect();
    const started = await Promise.all(
      BACKEND_SERVICES.map(async (definition) => {
        const t0 = Date.now();
        const host = this.createHost(definition, this.backendEnv(definition.name));
        this.hosts.push(host);
        const address = await host.start();
        progress(
          `${definition.name.padEnd(12)} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s  (grpc ${address.grpcAddress})`,
        );
        return address;
      }),
    );
    const grpcOf = (name: string) => started.find((s) => s.name === name)!.grpcAddress;
    const t0 = Date.now();
    this.gateway = this.createHost(gatewayService, {
      ...this.commonEnv(),
      HTTP_HOST: this.options.gatewayHost ?? '127.0.0.1',
      HTTP_PORT: String(this.options.gatewayPort),
      AUTH_GRPC_URL: grpcOf('auth'),
      AI_ROUTING_GRPC_URL: grpcOf('ai-routing'),
      KNOWLEDGE_GRPC_URL: grpcOf('knowledge'),
      ORCHESTRATOR_GRPC_URL: grpcOf('orchestrator'),
      ANALYTICS_GRPC_URL: grpcOf('analytics'),
      ...this.options.serviceEnv?.('gateway'),
    });
    const gateway = await this.gateway.start();
    progress(
      `${'gateway'.padEnd(12)} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s  (http ${gateway.httpUrl})`,
    );
    return { gatewayUrl: gateway.httpUrl, services: [...started, gateway] };
  }

  /**
   * Gateway first (stop taking requests, drain in-flight ones), then every outbox is flushed while
   * all consumers still run, then the services stop, then the bus.
   */
  async stop(): Promise<void> {
    await this.gateway?.stop();
    this.gateway = undefined;
    await Promise.all(this.hosts.map((h) => h.flushOutbox()));
    await this.bus?.drain(10_000);
    await Promise.all(this.hosts.splice(0).map((h) => h.stop()));
    await this.bus?.disconnect();
  }

  /** Stops one backend service (as if it crashed or was redeployed); `startService` brings it back. */
  async stopService(name: string): Promise<void> {
    const host = this.host(name);
    await host.stop();
  }

  /** Starts a stopped backend service again on the same ports and data. */
  async startService(name: string): Promise<void> {
    const index = this.hosts.findIndex((h) => h.definition.name === name);
    if (index < 0) throw new Error(`no backend service named ${name}`);
    const old = this.hosts[index]!;
    const { httpUrl, grpcAddress } = old.address;
    const host = this.createHost(old.definition, {
      ...this.backendEnv(name),
      HTTP_PORT: new URL(httpUrl).port,
      GRPC_PORT: grpcAddress.split(':').pop(),
    });
    this.hosts[index] = host;
    await host.start();
  }

  private createHost(definition: ServiceDefinition<BaseServiceConfig>, env: Env): ServiceHost {
    const config = loadConfig(definition.configSchema as never, env) as BaseServiceConfig;
    return new ServiceHost(definition, config, {
      bus: this.bus,
      logDestination: this.options.logDestination,
      embedded: this.bus !== undefined,
    });
  }

  private commonEnv(): Env {
    return {
      LOG_LEVEL: this.options.logLevel ?? 'info',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      EVENT_BUS: this.options.eventBus ?? 'memory',
      SHUTDOWN_GRACE_MS: '5000',
    };
  }

  private backendEnv(service: string): Env {
    const overrides = this.options.serviceEnv?.(service) ?? {};
    const env: Env = { ...this.commonEnv(), MIGRATE_ON_START: 'true', ...overrides };
    if (!overrides.DATABASE_URL) {
      const { dataDir = 'memory://' } = this.options;
      const serviceDir = dataDir === 'memory://' ? dataDir : join(dataDir, service);
      if (serviceDir !== 'memory://') mkdirSync(serviceDir, { recursive: true });
      Object.assign(env, { DATA_DIR: serviceDir, DATABASE_POOL_MAX: '1' });
    }
    if (service === 'ai-routing' && !env.PROVIDER_SECRET_KEYS) {
      env.PROVIDER_SECRET_KEYS = process.env.PROVIDER_SECRET_KEYS ?? embeddedSecretKeys(env.DATA_DIR);
    }
    return env;
  }
}

/**
 * The key sealing provider credentials in the embedded mode: generated on first run and kept next
 * to the ai-routing database (mode 0600), so stored credentials open again after a restart.
 * `memory://` databases get a fresh key per run (nothing outlives the process anyway).
 */
function embeddedSecretKeys(dataDir: string | undefined): string {
  const fresh = () => `embedded:${randomBytes(32).toString('base64')}`;
  if (!dataDir || dataDir === 'memory://') return fresh();
  const file = join(dataDir, 'provider-secret-keys');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const keys = fresh();
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}

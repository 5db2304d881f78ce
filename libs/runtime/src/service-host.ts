import 'reflect-metadata';
import { Global, Module, type DynamicModule, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type Env } from '@brainmesh/config';
import { createDataSource, pingDatabase, runMigrations } from '@brainmesh/db';
import {
  CreateEventTables1732300000000,
  InProcessEventBus,
  KafkaEventBus,
  OutboxEventEntity,
  OutboxRelay,
  OutboxWriter,
  ProcessedEventEntity,
  type EventBus,
  type Subscription,
} from '@brainmesh/events';
import { GrpcServer } from '@brainmesh/grpc';
import { createLogger, type Logger } from '@brainmesh/logging';
import { createMetricsRegistry, initTracing, type Registry } from '@brainmesh/telemetry';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { DiagnosticsGrpcHandler, DiagnosticsServiceDefinition } from './diagnostics/diagnostics.grpc-handler';
import { EmitPipelineProbeUseCase } from './diagnostics/emit-pipeline-probe.use-case';
import { UnitOfWork } from './events/unit-of-work.repository';
import { HealthController } from './http/health.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { installRouteTable } from './http/route-table';
import { installRequestLifecycle, requestIdFrom } from './http/request-lifecycle';
import { installSecurityHeaders } from './http/security-headers';
import { Readiness } from './readiness';
import type { BaseServiceConfig } from './service-config';
import type { ServiceDefinition } from './service-definition';
import { ServiceInfo } from './service-info';
import { EVENT_BUS, LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from './tokens';

/** Shared pieces injected by the embedded runner (one process, many services). */
export interface HostOptions {
  /** A bus shared by every service of the process (embedded mode); not disconnected by this host. */
  bus?: EventBus;
  /** Where log lines go (stdout by default); shared by every service of an embedded process. */
  logDestination?: DestinationStream;
  embedded?: boolean;
}

export interface StartedService {
  name: string;
  httpUrl: string;
  grpcAddress: string;
}

/**
 * Runs one brainmesh service: its database (migrated when asked), event bus, outbox relay,
 * NestJS HTTP app (health, readiness, metrics, problem+json), gRPC server with health, and event
 * subscribers; stops them in reverse order, draining in-flight work first.
 */
export class ServiceHost<C extends BaseServiceConfig = BaseServiceConfig> {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly info: ServiceInfo;
  private app?: NestFastifyApplication;
  private dataSource?: DataSource;
  private bus?: EventBus;
  private relay?: OutboxRelay;
  private grpc?: GrpcServer;
  private readonly subscriptions: Subscription[] = [];
  private httpPort = 0;
  private grpcPort = 0;

  constructor(
    readonly definition: ServiceDefinition<C>,
    readonly config: C,
    private readonly options: HostOptions = {},
  ) {
    this.logger = createLogger({
      service: definition.name,
      level: config.LOG_LEVEL,
      destination: options.logDestination,
    });
    this.registry = createMetricsRegistry(definition.name);
    this.info = new ServiceInfo(definition.name, definition.version, options.embedded ?? false);
  }

  static fromEnv<C extends BaseServiceConfig>(
    definition: ServiceDefinition<C>,
    env: Env = process.env,
    options?: HostOptions,
  ) {
    return new ServiceHost(definition, loadConfig(definition.configSchema as never, env) as C, options);
  }

  get nestApp(): NestFastifyApplication {
    if (!this.app) throw new Error(`${this.definition.name} is not started`);
    return this.app;
  }

  get address(): StartedService {
    const host = (h: string) => (h === '0.0.0.0' ? '127.0.0.1' : h);
    return {
      name: this.definition.name,
      httpUrl: `http://${host(this.config.HTTP_HOST)}:${this.httpPort}`,
      grpcAddress: `${host(this.config.GRPC_HOST)}:${this.grpcPort}`,
    };
  }

  async start(): Promise<StartedService> {
    const { definition: def, config } = this;
    const started = Date.now();
    initTracing({
      serviceName: this.options.embedded ? 'brainmesh' : `brainmesh-${def.name}`,
      otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    });
    const readiness = new Readiness();
    try {
      const providers: Provider[] = [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: LOGGER, useValue: this.logger },
        { provide: METRICS_REGISTRY, useValue: this.registry },
        { provide: ServiceInfo, useValue: this.info },
        { provide: Readiness, useValue: readiness },
      ];
      if (def.database) {
        this.dataSource = await this.openDatabase();
        const ds = this.dataSource;
        readiness.add({ name: 'database', check: () => pingDatabase(ds, 1000) });
        this.bus = await this.openBus();
        const bus = this.bus;
        readiness.add({ name: 'event_bus', check: () => bus.isHealthy() });
        this.relay = new OutboxRelay({
          dataSource: ds,
          bus,
          service: def.name,
          logger: this.logger,
          registry: this.registry,
        });
        providers.push(
          { provide: DataSource, useValue: ds },
          { provide: EVENT_BUS, useValue: bus },
          { provide: OutboxRelay, useValue: this.relay },
          { provide: OutboxWriter, useValue: new OutboxWriter() },
          UnitOfWork,
          EmitPipelineProbeUseCase,
          DiagnosticsGrpcHandler,
        );
      }

      const adapter = new FastifyAdapter({
        bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
        trustProxy: config.TRUST_PROXY ? 1 : false,
        genReqId: requestIdFrom,
        return503OnClosing: true,
      });
      const fastify = adapter.getInstance();
      installRouteTable(fastify);
      installRequestLifecycle(fastify, { service: def.name, logger: this.logger, registry: this.registry });
      installSecurityHeaders(fastify);

      this.app = await NestFactory.create<NestFastifyApplication>(
        rootModule(def.module, providers),
        adapter,
        {
          logger: nestLogger(this.logger),
          abortOnError: false,
          // Fastify's own JSON parser only: form bodies get 415 instead of being half-understood.
          bodyParser: false,
        },
      );
      this.app.useGlobalFilters(new ProblemDetailsFilter(this.logger));
      if (config.CORS_ORIGINS) {
        const origins = config.CORS_ORIGINS;
        this.app.enableCors({
          origin: origins.includes('*') ? true : origins,
          exposedHeaders: [
            'x-request-id',
            'retry-after',
            'ratelimit-limit',
            'ratelimit-remaining',
            'ratelimit-reset',
          ],
          maxAge: 600,
        });
      }
      await this.app.listen(config.HTTP_PORT, config.HTTP_HOST);
      this.httpPort = (fastify.server.address() as { port: number }).port;

      this.grpc = new GrpcServer({
        name: def.name,
        host: config.GRPC_HOST,
        port: config.GRPC_PORT,
        logger: this.logger,
        registry: this.registry,
      });
      for (const binding of def.grpc ?? [])
        this.grpc.addService(binding.definition, this.app.get(binding.handler).implementation);
      if (def.database)
        this.grpc.addService(
          DiagnosticsServiceDefinition,
          this.app.get(DiagnosticsGrpcHandler).implementation,
        );
      this.grpcPort = await this.grpc.start();

      // Consumers join before this service publishes anything, so nothing it emits can precede them.
      for (const subscriberType of def.subscribers ?? []) {
        const subscriber = this.app.get(subscriberType);
        this.subscriptions.push(
          await this.bus!.subscribe({
            groupId: subscriber.groupId,
            topics: subscriber.topics,
            // In one process the in-process log holds only this run's events: a new group reads them all.
            fromBeginning: subscriber.fromBeginning ?? this.options.bus !== undefined,
            handler: (envelope) => subscriber.handle(envelope),
          }),
        );
      }
      this.relay?.start();
      readiness.markStarted();
      this.grpc.setServingStatus('SERVING');
      this.logger.info({ ...this.address, ms: Date.now() - started }, `${def.name} started`);
      return this.address;
    } catch (err) {
      this.logger.error({ err }, `${def.name} failed to start`);
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Publishes everything still in the outbox and stops the relay, leaving consumers running (the
   * embedded runner flushes every service this way before stopping any consumer).
   */
  async flushOutbox(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    await relay
      ?.stop({ flush: true })
      .catch((err: unknown) => this.logger.warn({ err }, 'outbox flush failed'));
  }

  /** Graceful stop: unready, stop consuming, drain HTTP and gRPC, flush the outbox, close. */
  async stop(): Promise<void> {
    const grace = this.config.SHUTDOWN_GRACE_MS;
    this.app?.get(Readiness).markDraining();
    this.grpc?.setServingStatus('NOT_SERVING');
    for (const sub of this.subscriptions.splice(0))
      await sub.stop().catch((err: unknown) => this.logger.warn({ err }, 'subscription stop failed'));
    await this.app?.close().catch((err: unknown) => this.logger.warn({ err }, 'http close failed'));
    this.app = undefined;
    await this.grpc?.shutdown(grace);
    this.grpc = undefined;
    await this.relay
      ?.stop({ flush: true })
      .catch((err: unknown) => this.logger.warn({ err }, 'outbox flush failed'));
    this.relay = undefined;
    if (this.bus && !this.options.bus) await this.bus.disconnect().catch(() => undefined);
    this.bus = undefined;
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    this.dataSource = undefined;
    this.logger.info(`${this.definition.name} stopped`);
  }

  /** Applies pending migrations and exits (the `migrate` command and the Helm hook Job). */
  async migrate(): Promise<string[]> {
    const ds = await this.openDatabase({ migrate: true });
    try {
      return await runMigrations(ds, this.logger);
    } finally {
      await ds.destroy();
    }
  }

  private async openDatabase(options: { migrate?: boolean } = {}): Promise<DataSource> {
    const def = this.definition;
    if (!def.database) throw new Error(`${def.name} has no database`);
    const { DATABASE_URL, DATA_DIR } = this.config;
    if (!DATABASE_URL && !DATA_DIR) {
      throw new Error(`${def.name}: set DATABASE_URL (postgres://…) or DATA_DIR (embedded PGlite directory)`);
    }
    const ds = createDataSource({
      service: def.name,
      url: DATABASE_URL,
      dataDir: DATABASE_URL ? undefined : DATA_DIR,
      entities: [OutboxEventEntity, ProcessedEventEntity, ...def.database.entities],
      migrations: [CreateEventTables1732300000000, ...def.database.migrations],
      poolMax: this.config.DATABASE_POOL_MAX,
      logger: this.logger,
    });
    await ds.initialize();
    if (options.migrate) return ds;
    if (this.config.MIGRATE_ON_START) {
      await runMigrations(ds, this.logger);
    } else if (await ds.showMigrations()) {
      await ds.destroy();
      throw new Error(
        `${def.name}: the database has pending migrations; run \`node services/${def.name}/dist/main.js migrate\` (or set MIGRATE_ON_START=true)`,
      );
    }
    return ds;
  }

  private async openBus(): Promise<EventBus> {
    if (this.options.bus) return this.options.bus;
    const { EVENT_BUS: kind, KAFKA_BROKERS } = this.config;
    let bus: EventBus;
    if (kind === 'kafka') {
      if (!KAFKA_BROKERS)
        throw new Error(`${this.definition.name}: EVENT_BUS=kafka needs KAFKA_BROKERS (host:port,…)`);
      bus = new KafkaEventBus({
        clientId: `brainmesh-${this.definition.name}`,
        brokers: KAFKA_BROKERS,
        logger: this.logger,
        registry: this.registry,
      });
    } else {
      bus = new InProcessEventBus({ logger: this.logger, registry: this.registry });
    }
    await bus.connect();
    return bus;
  }
}

@Global()
@Module({})
class RuntimeModule {}

function rootModule(serviceModule: DynamicModule['module'], providers: Provider[]): DynamicModule {
  const tokens = providers.map((p) =>
    typeof p === 'function' ? p : (p as { provide: unknown }).provide,
  ) as DynamicModule['exports'];
  return {
    module: RuntimeModule,
    global: true,
    imports: [serviceModule],
    controllers: [HealthController],
    providers,
    exports: tokens,
  };
}

/** Nest's own messages (route mapping, lifecycle) go to pino at debug; problems keep their level. */
function nestLogger(logger: Logger): LoggerService {
  const msg = (message: unknown, context?: unknown) => ({ nest_context: context, msg: String(message) });
  return {
    log: (m, c) => logger.debug(msg(m, c)),
    verbose: (m, c) => logger.trace(msg(m, c)),
    debug: (m, c) => logger.trace(msg(m, c)),
    warn: (m, c) => logger.warn(msg(m, c)),
    error: (m, c) => logger.error(msg(m, c)),
    fatal: (m, c) => logger.fatal(msg(m, c)),
  };
}

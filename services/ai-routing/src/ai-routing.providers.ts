import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import type { Registry } from '@brainmesh/telemetry';
import {
  AdmissionStore,
  MemoryAdmissionStore,
  RedisAdmissionStore,
  type LeaseThresholdCrossing,
  type SpendLoader,
} from './admission';
import { MemoryResponseCacheStore, RedisResponseCacheStore, ResponseCacheStore } from './cache';
import type { AiRoutingConfig } from './config';
import { BudgetRepository } from './repositories/budget.repository';
import { RedisConnection } from './repositories/redis-connection.repository';
import { UsageLedgerRepository } from './repositories/usage-ledger.repository';
import { DeploymentHealth } from './routing';
import { BudgetSpend } from './services/budget-spend';
import { CallAccounting } from './services/call-accounting';

/** Token of the shared Redis connection (undefined without REDIS_URL: the embedded mode). */
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');

/**
 * The stores that depend on the deployment: with REDIS_URL, admission (budgets, RPM/TPM) and the
 * response cache live in Redis and are shared by every replica; without it (embedded, one process)
 * they live in memory.
 */
export const aiRoutingStoreProviders: Provider[] = [
  {
    provide: REDIS_CONNECTION,
    inject: [SERVICE_CONFIG, LOGGER],
    useFactory: async (config: AiRoutingConfig, logger: Logger) => {
      if (!config.REDIS_URL) return undefined;
      const connection = new RedisConnection(config.REDIS_URL, { logger });
      await connection.connect(2_000);
      return connection;
    },
  },
  {
    provide: AdmissionStore,
    inject: [
      REDIS_CONNECTION,
      BudgetRepository,
      BudgetSpend,
      CallAccounting,
      SERVICE_CONFIG,
      LOGGER,
      METRICS_REGISTRY,
    ],
    useFactory: (
      connection: RedisConnection | undefined,
      budgets: BudgetRepository,
      spend: BudgetSpend,
      accounting: CallAccounting,
      config: AiRoutingConfig,
      logger: Logger,
      registry: Registry,
    ) => {
      const loadSpend: SpendLoader = async (budgetId, periodStart) => {
        const budget = await budgets.findForSpendSeed(budgetId);
        if (!budget) return 0;
        return (await spend.since(budget, new Date(periodStart))).spentMicros;
      };
      // Alerts found by a lease's report go out as events of their own.
      const onThresholds = (crossings: LeaseThresholdCrossing[]) =>
        void Promise.all(
          crossings.map(async (c) => {
            const budget = await budgets.find(c.tenantId, c.budgetId);
            if (budget) await accounting.budgetAlerts(c.tenantId, [{ ...c, budget }]);
          }),
        ).catch((err: unknown) =>
          logger.error({ err, budgets: crossings.map((c) => c.budgetId) }, 'budget alert lost'),
        );
      const leases = config.BUDGET_LEASE_SYNC_MS > 0 && {
        syncIntervalMs: config.BUDGET_LEASE_SYNC_MS,
        onThresholds,
      };
      return connection
        ? new RedisAdmissionStore({ connection, loadSpend, logger, registry, leases })
        : new MemoryAdmissionStore({ loadSpend });
    },
  },
  {
    provide: ResponseCacheStore,
    inject: [REDIS_CONNECTION, SERVICE_CONFIG, LOGGER, METRICS_REGISTRY],
    useFactory: (
      connection: RedisConnection | undefined,
      config: AiRoutingConfig,
      logger: Logger,
      registry: Registry,
    ) =>
      connection
        ? new RedisResponseCacheStore({ connection, logger, registry })
        : new MemoryResponseCacheStore({ maxEntries: config.CACHE_MAX_ENTRIES, registry }),
  },
  { provide: DeploymentHealth, useFactory: () => new DeploymentHealth() },
];

/** Closes what the factories opened once the usage ledger has flushed (factories get no hooks). */
@Injectable()
export class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly admission: AdmissionStore,
    private readonly cache: ResponseCacheStore,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.ledger.flush().catch(() => undefined);
    await this.admission.close();
    await this.cache.close();
    await this.redis?.close();
  }
}

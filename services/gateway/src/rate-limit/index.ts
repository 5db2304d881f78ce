import type { Provider } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import type { Registry } from '@brainmesh/telemetry';
import type { GatewayConfig } from '../config';
import { MemoryRateLimitStore } from './memory-rate-limit.repository';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitStore } from './rate-limit.store';
import { RateLimiter } from './rate-limiter';
import { RedisRateLimitStore } from './redis-rate-limit.repository';

export { RateLimited, RateLimitGuard } from './rate-limit.guard';
export { RateLimiter } from './rate-limiter';
export { rateLimitsEnv } from './rate-limit.config';
export { RateLimitStore } from './rate-limit.store';

/** Redis-backed buckets when REDIS_URL is set (shared by replicas), in memory otherwise (embedded mode). */
export const rateLimitProviders: Provider[] = [
  {
    provide: RateLimitStore,
    inject: [SERVICE_CONFIG, LOGGER, METRICS_REGISTRY],
    useFactory: (config: GatewayConfig, logger: Logger, registry: Registry): RateLimitStore =>
      config.REDIS_URL
        ? new RedisRateLimitStore({
            url: config.REDIS_URL,
            logger: logger.child({ component: 'rate-limit' }),
            registry,
          })
        : new MemoryRateLimitStore(),
  },
  RateLimiter,
  RateLimitGuard,
];

export { analyticsService } from './analytics.service';
export { analyticsConfigSchema, type AnalyticsConfig } from './config';

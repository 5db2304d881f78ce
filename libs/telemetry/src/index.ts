export {
  contextFromTraceparent,
  currentTraceId,
  currentTraceparent,
  initTracing,
  shutdownTracing,
  tracer,
  type TracingOptions,
} from './tracing';
export { LATENCY_BUCKETS, Registry, counter, createMetricsRegistry, gauge, histogram } from './metrics';

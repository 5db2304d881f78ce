/** Injection tokens for runtime-provided values whose types are interfaces. */
export const LOGGER = Symbol('brainmesh.logger');
export const SERVICE_CONFIG = Symbol('brainmesh.service-config');
export const EVENT_BUS = Symbol('brainmesh.event-bus');
export const METRICS_REGISTRY = Symbol('brainmesh.metrics-registry');

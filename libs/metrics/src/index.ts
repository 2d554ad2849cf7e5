// Prometheus metrics (prom-client) shared by the gateway and the worker.
export * from './metrics.module.js';
export * from './strata-metrics.js';

export * from './address-rules.js';
export * from './allowlist.js';
export * from './guarded-http.js';
export * from './guarded-proxy.js';
export * from './ssrf-guard.js';
export * from './ssrf.errors.js';
export * from './ssrf.module.js';

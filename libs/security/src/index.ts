export * from './auth.decorators.js';
export * from './auth.guard.js';
export * from './capability.js';
export * from './security.module.js';
export * from './token.service.js';
export * from './upload/index.js';
export * from './ssrf/index.js';

export * from './domain-error.js';
export * from './logging.js';
export * from './problem.filter.js';
export * from './problem.js';
export * from './safe-error.js';
export * from './validation.js';
export * from './swagger.js';
export * from './timeout.js';

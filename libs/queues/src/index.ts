export * from './dispatch.js';
export * from './job-producer.js';
export * from './queue-names.js';
export * from './queue-errors.js';
export * from './queues.module.js';
export * from './redis.js';
export * from './preview-result.js';
export * from './service-token.store.js';

export * from './drivers/local.storage.js';
export * from './drivers/s3.storage.js';
export * from './storage.js';
export * from './storage.module.js';

export * from './drivers/local.storage.js';
// The S3 driver is not re-exported: createStorage loads it on demand (import it from its file).
export type { S3Storage, S3StorageOptions } from './drivers/s3.storage.js';
export * from './storage.js';
export * from './storage.module.js';

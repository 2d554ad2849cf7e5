export * from './data-source.js';
export * from './entities/index.js';
export * from './job-status.js';
export * from './jobs.module.js';
export * from './naming.strategy.js';
export * from './repositories/dataset.repository.js';
export * from './repositories/job.repository.js';
export * from './commit-options.js';

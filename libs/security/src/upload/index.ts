export * from './filename.js';
export * from './range-reader.js';
export * from './sniff.js';
export * from './upload.errors.js';
export * from './zip-preflight.js';

// GDAL-free shared contract: types, constants and a few pure rules both the GDAL code and its callers use.
// Imports nothing, so any process (the gateway, the worker, the GDAL child) can load it for free.
export * from './cog.js';
export * from './gdal-info.js';
export * from './identifiers.js';
export * from './inspection.js';
export * from './layer-export.js';
export * from './secrets.js';
export * from './vector-load.js';
export * from './vrt.js';

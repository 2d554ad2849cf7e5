export * from './gdal.module.js';
export * from './gdal.service.js';
export * from './inspection.js';
export * from './gdal-storage.js';
export * from './raster-cog.js';
export * from './vector-load.js';

// Plain async functions over gdal-async, no Nest: the worker's GDAL child process loads this entry, and
// nothing else in the worker may (GDAL's configuration is process-wide; see applyGdalConfig).
export * from './config.js';
export * from './gdalinfo.js';
export * from './inspection.js';
export * from './layer-export.js';
export * from './progress.js';
export * from './raster-cog.js';
export * from './raster-vrt.js';
export * from './self-test.js';
export * from './vector-load.js';

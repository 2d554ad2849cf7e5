// Importer definitions (DESIGN §4): loading, validation, transforms and rules. GDAL-free; loaded by the
// gateway, the worker and the CLI.
export * from './definition.js';
export * from './processing.js';

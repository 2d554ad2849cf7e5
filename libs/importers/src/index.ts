// Importer definitions (DESIGN §4): loading, validation, transforms and rules. GDAL-free; loaded by the
// gateway, the worker and the CLI.
export * from './definition.js';
export * from './processing.js';
export * from './registry.js';
export {
  EMAIL,
  FALSE_WORDS,
  TRUE_WORDS,
  createImporterRegistry,
  importerRegistry,
  parseBooleanWord,
  parseLocaleNumber,
} from './builtins.js';
export { compileImporter } from './compile.js';
export { normalizeHeader } from './headers.js';
export { ImporterLoadError, SLUG_PATTERN, loadImporters, parseImporterFile, type ParseResult } from './load.js';
export { IMPORTER_FILE_SCHEMA } from './schema.js';
export { SQL_TYPES, createTableSql, geometrySqlType, quoteIdent, targetTableSql } from './sql.js';
export { ImporterCatalog, loadImporterCatalog } from './importer-catalog.js';
export { ImportersModule } from './importers.module.js';

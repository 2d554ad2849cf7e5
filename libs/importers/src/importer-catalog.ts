import { compileImporter } from './compile.js';
import { importerRegistry } from './builtins.js';
import type { ImporterDefinition } from './definition.js';
import { loadImporters } from './load.js';
import type { CompiledImporter } from './processing.js';
import type { ImporterRegistry } from './registry.js';

/** The importers of IMPORTERS_DIR, loaded and validated once per process. */
export class ImporterCatalog {
  private readonly bySlug: Map<string, ImporterDefinition>;
  private readonly compiledBySlug = new Map<string, CompiledImporter>();

  constructor(
    definitions: ImporterDefinition[],
    private readonly registry: ImporterRegistry = importerRegistry,
  ) {
    this.bySlug = new Map(definitions.map((d) => [d.slug, d]));
  }

  /** Every importer, ordered by slug. */
  list(): ImporterDefinition[] {
    return [...this.bySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  }

  get(slug: string): ImporterDefinition | null {
    return this.bySlug.get(slug) ?? null;
  }

  /** The importer ready to process rows (compiled on first use), or null for an unknown slug. */
  compiled(slug: string): CompiledImporter | null {
    const definition = this.bySlug.get(slug);
    if (!definition) return null;
    let compiled = this.compiledBySlug.get(slug);
    if (!compiled) {
      compiled = compileImporter(definition, this.registry);
      this.compiledBySlug.set(slug, compiled);
    }
    return compiled;
  }
}

const catalogs = new Map<string, ImporterCatalog>();

/**
 * The catalog of `dir`, loaded on first call (throws ImporterLoadError with every problem line). The apps
 * call it before Nest boots, so an invalid file stops the process with the lines; the module reuses it.
 * Custom transforms and rules must be registered on `importerRegistry` before the first call.
 */
export function loadImporterCatalog(dir: string): ImporterCatalog {
  let catalog = catalogs.get(dir);
  if (!catalog) {
    catalog = new ImporterCatalog(loadImporters(dir, importerRegistry), importerRegistry);
    catalogs.set(dir, catalog);
  }
  return catalog;
}

import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import {
  OVERRIDABLE_SOURCE_KEYS,
  SOURCE_FORMATS,
  SOURCE_TYPES,
  type ImporterDefinition,
  type ImporterSource,
} from '@app/importers';
import { parse as parseYaml } from 'yaml';

/** What the runs API needs of an importer: its slug and source. The catalog's definitions satisfy it. */
export type ImporterSummary = Pick<ImporterDefinition, 'slug' | 'title'> & { source: ImporterSource };

/** Finds importers by slug. The runs API depends on this, not on where definitions come from. */
export abstract class ImporterLookup {
  abstract get(slug: string): ImporterSummary | null;
}

const DEFAULT_MAX_SIZE_BYTES = 100 * 1024 ** 2;
const FILE = /\.(ya?ml|json)$/i;

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * STAND-IN for the importer catalog (issue 10, importer definitions): reads only the keys the runs API
 * uses (slug, title, source type, formats, url, key, overridable, max_size_bytes) from `IMPORTERS_DIR`,
 * without the schema validation the catalog does at boot. Replace the provider binding with the catalog.
 */
@Injectable()
export class DirectoryImporterLookup extends ImporterLookup {
  private readonly logger = new Logger(DirectoryImporterLookup.name);
  private cache: Map<string, ImporterSummary> | undefined;

  constructor(private readonly config: AppConfig) {
    super();
  }

  get(slug: string): ImporterSummary | null {
    this.cache ??= this.load();
    return this.cache.get(slug) ?? null;
  }

  private load(): Map<string, ImporterSummary> {
    const dir = this.config.ingestRuns.importersDir;
    const found = new Map<string, ImporterSummary>();
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => FILE.test(f));
    } catch {
      this.logger.warn(`no importer directory at ${dir}`);
      return found;
    }
    for (const file of files.sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      const doc: unknown = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
      const summary = summarise(doc, basename(file, extname(file)));
      if (summary) found.set(summary.slug, summary);
    }
    return found;
  }
}

/** The runs-API view of one importer document; null when it is not even shaped like one. */
export function summarise(doc: unknown, fileSlug: string): ImporterSummary | null {
  if (!isRecord(doc) || !isRecord(doc.source)) return null;
  const source = doc.source;
  const type = SOURCE_TYPES.find((t) => t === source.type);
  if (!type) return null;
  const slug = typeof doc.slug === 'string' ? doc.slug : fileSlug;
  const maxSize = source.max_size_bytes;
  return {
    slug,
    title: typeof doc.title === 'string' ? doc.title : slug,
    source: {
      type,
      formats: strings(source.formats).flatMap((f) => SOURCE_FORMATS.filter((known) => known === f)),
      url: typeof source.url === 'string' ? source.url : null,
      key: typeof source.key === 'string' ? source.key : null,
      service: null,
      overridable: strings(source.overridable).flatMap((k) => OVERRIDABLE_SOURCE_KEYS.filter((known) => known === k)),
      max_size_bytes: typeof maxSize === 'number' && maxSize > 0 ? maxSize : DEFAULT_MAX_SIZE_BYTES,
    },
  };
}

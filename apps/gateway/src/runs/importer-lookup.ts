import type { ImporterDefinition } from '@app/importers';

/** What the runs API needs of an importer: its slug, title and source (the catalog's definitions). */
export type ImporterSummary = Pick<ImporterDefinition, 'slug' | 'title' | 'source'>;

import { DomainError, ErrorCode, UnprocessableError } from '@app/common';
import type { SourceFormat } from '@app/importers';
import { extensionOf, safeBasename } from '@app/security';
import { parseDryRun } from './dry-run.js';
import type { ImporterSummary } from './importer-lookup.js';

// Checks of what a caller sends to start a run, before anything is stored: file types, the dry-run
// flag, source overrides.

/** Extensions each importer format is uploaded with. */
const FORMAT_EXTENSIONS: Record<SourceFormat, readonly string[]> = {
  csv: ['.csv'],
  tsv: ['.tsv'],
  xlsx: ['.xlsx'],
  json: ['.json'],
  ndjson: ['.ndjson', '.jsonl'],
  geojson: ['.geojson', '.json'],
  gpkg: ['.gpkg'],
  zip: ['.zip'],
};

/** The importer format a file name stands for, among those the importer accepts; null when none fits. */
export function formatFor(filename: string, accepted: readonly SourceFormat[]): SourceFormat | null {
  const extension = extensionOf(filename);
  return accepted.find((format) => FORMAT_EXTENSIONS[format].includes(extension)) ?? null;
}

export function acceptedFormats(importer: ImporterSummary): SourceFormat[] {
  return importer.source.formats;
}

/** A safe basename whose extension is one of the importer's formats; 415 otherwise (the type is not taken). */
export function acceptImporterFile(raw: string | undefined, importer: ImporterSummary): string {
  let name: string;
  try {
    name = safeBasename(raw ?? '');
  } catch {
    throw new DomainError(ErrorCode.Unprocessable, 'The file needs a name with an extension.');
  }
  const accepted = acceptedFormats(importer);
  if (!formatFor(name, accepted)) {
    throw new DomainError(
      ErrorCode.UnsupportedMediaType,
      `Files of type '${extensionOf(name) || '(none)'}' are not accepted by importer '${importer.slug}'; accepted formats: ${accepted.join(', ') || '(none)'}.`,
      { accepted_formats: accepted },
    );
  }
  return name;
}

/** The multipart `dry_run` field; absent is false, an unreadable value a 400 naming the field. */
export function dryRunField(value: string | undefined): boolean {
  if (value === undefined) return false;
  const parsed = parseDryRun(value);
  if (parsed === undefined) {
    throw new DomainError(ErrorCode.ValidationFailed, 'dry_run must be one of 1, true, 0, false.', {
      errors: [{ loc: ['body', 'dry_run'], msg: 'dry_run must be one of 1, true, 0, false', type: 'isBoolean' }],
    });
  }
  return parsed;
}

export interface Overrides {
  url?: string;
  key?: string;
}

const SAFE_KEY = /^[A-Za-z0-9._/-]+$/;

/**
 * The trigger body's `source`: only keys the importer lists in `overridable`, each a non-empty string; a
 * storage key must stay in the directory of the importer's own key (no `..`), so a caller cannot read
 * other objects of the store.
 */
export function checkOverrides(importer: ImporterSummary, given: Record<string, unknown>): Overrides {
  const allowed: readonly string[] = importer.source.overridable;
  const issues: { loc: (string | number)[]; msg: string; type: string }[] = [];
  const overrides: Overrides = {};
  for (const [name, value] of Object.entries(given)) {
    const loc = ['body', 'source', name];
    if (!allowed.includes(name)) {
      issues.push({ loc, msg: `${name} cannot be overridden for this importer`, type: 'not_overridable' });
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      issues.push({ loc, msg: `${name} must be a non-empty string`, type: 'isString' });
      continue;
    }
    if (name === 'url') overrides.url = value;
    if (name === 'key') {
      if (!keyStaysInDirectory(value, importer.source.key)) {
        issues.push({ loc, msg: 'key must name an object in the directory of the importer key', type: 'key_outside' });
        continue;
      }
      overrides.key = value;
    }
  }
  if (issues.length > 0) {
    throw new UnprocessableError(
      `The source cannot be overridden that way; importer '${importer.slug}' allows: ${allowed.join(', ') || 'nothing'}.`,
      { errors: issues },
    );
  }
  return overrides;
}

function keyStaysInDirectory(key: string, configured: string | null): boolean {
  if (
    !SAFE_KEY.test(key) ||
    key.startsWith('/') ||
    key.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    return false;
  }
  const directory = configured?.includes('/') ? configured.slice(0, configured.lastIndexOf('/') + 1) : '';
  const rest = key.slice(directory.length);
  return key.startsWith(directory) && rest.length > 0 && !rest.includes('/');
}

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
  /** Type service: replacements of `source.service` keys. */
  service?: { url?: string; layer_name?: string; layer_id?: string };
  /** Type service: a token for this run only (never stored with the run; see ServiceTokenStore). */
  token?: string;
}

const SAFE_KEY = /^[A-Za-z0-9._/-]+$/;

type Issue = { loc: (string | number)[]; msg: string; type: string };

const SERVICE_KEYS = ['url', 'layer_name', 'layer_id'] as const;
const MAX_TOKEN_LENGTH = 4096;

/**
 * The trigger body's `source`: only keys the importer lists in `overridable`, each a non-empty string; a
 * storage key must stay in the directory of the importer's own key (no `..`), so a caller cannot read
 * other objects of the store. A service importer takes `service: {url?, layer_name?, layer_id?}` (each
 * listed as `service.<key>`) and, always, a `token` for the run.
 */
export function checkOverrides(importer: ImporterSummary, given: Record<string, unknown>): Overrides {
  const allowed: readonly string[] = importer.source.overridable;
  const issues: Issue[] = [];
  const overrides: Overrides = {};
  const text = (value: unknown, loc: Issue['loc'], name: string): string | null => {
    if (typeof value === 'string' && value.trim() !== '') return value;
    issues.push({ loc, msg: `${name} must be a non-empty string`, type: 'isString' });
    return null;
  };
  for (const [name, value] of Object.entries(given)) {
    const loc = ['body', 'source', name];
    if (importer.source.type === 'service' && name === 'token') {
      const token = text(value, loc, name);
      if (token !== null && (token.length > MAX_TOKEN_LENGTH || /[\r\n]/.test(token))) {
        issues.push({ loc, msg: 'token must be one line of at most 4096 characters', type: 'isToken' });
      } else if (token !== null) overrides.token = token;
      continue;
    }
    if (importer.source.type === 'service' && name === 'service' && allowed.some((k) => k.startsWith('service.'))) {
      overrides.service = serviceOverrides(value, allowed, issues);
      continue;
    }
    if (!allowed.includes(name)) {
      issues.push({ loc, msg: `${name} cannot be overridden for this importer`, type: 'not_overridable' });
      continue;
    }
    const checked = text(value, loc, name);
    if (checked === null) continue;
    if (name === 'url') overrides.url = checked;
    if (name === 'key') {
      if (!keyStaysInDirectory(checked, importer.source.key)) {
        issues.push({ loc, msg: 'key must name an object in the directory of the importer key', type: 'key_outside' });
        continue;
      }
      overrides.key = checked;
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

/** `source.service` of a trigger body: an object of the `service.<key>` entries the importer allows. */
function serviceOverrides(value: unknown, allowed: readonly string[], issues: Issue[]): Overrides['service'] {
  const base = ['body', 'source', 'service'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ loc: base, msg: 'service must be an object', type: 'isObject' });
    return undefined;
  }
  const service: NonNullable<Overrides['service']> = {};
  for (const [name, given] of Object.entries(value as Record<string, unknown>)) {
    const loc = [...base, name];
    const key = SERVICE_KEYS.find((k) => k === name);
    if (!key || !allowed.includes(`service.${name}`)) {
      issues.push({ loc, msg: `service.${name} cannot be overridden for this importer`, type: 'not_overridable' });
      continue;
    }
    const raw = typeof given === 'number' && key === 'layer_id' ? String(given) : given;
    if (typeof raw !== 'string' || raw.trim() === '') {
      issues.push({ loc, msg: `service.${name} must be a non-empty string`, type: 'isString' });
    } else if (key === 'layer_name' && (raw.startsWith('-') || raw.length > 255)) {
      issues.push({ loc, msg: "service.layer_name must not start with '-' (at most 255 characters)", type: 'layer' });
    } else if (key === 'layer_id' && !/^\d{1,9}$/.test(raw)) {
      issues.push({ loc, msg: 'service.layer_id must be a layer number', type: 'layer' });
    } else {
      service[key] = raw;
    }
  }
  return service;
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

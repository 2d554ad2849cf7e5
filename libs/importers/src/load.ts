// Reads IMPORTERS_DIR, validates every file (JSON Schema, then checks across keys) and normalizes it to an
// ImporterDefinition. Every problem of every file is one line `importers/<file>: <key path>: <problem>`;
// loading fails with all of them at once, so an author fixes a directory in one round.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import iconv from 'iconv-lite';
import { LineCounter, parseDocument } from 'yaml';
import { isSafeIdentifier } from '@app/contracts';
import { importerRegistry } from './builtins.js';
import {
  OVERRIDABLE_SOURCE_KEYS,
  SOURCE_FORMATS,
  type DuplicateStrategy,
  type FieldDefinition,
  type FieldType,
  type GeometryDefinition,
  type ImporterDefinition,
  type ImporterService,
  type ImporterSourceType,
  type OverridableSourceKey,
  type ServiceSourceType,
  type SourceFormat,
  type StepSpec,
  type TransactionMode,
} from './definition.js';
import { normalizeHeader } from './headers.js';
import { DEFERRED_RULES, StepArgumentError, type ImporterRegistry } from './registry.js';
import { IMPORTER_FILE_SCHEMA } from './schema.js';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const GDAL_FORMATS: SourceFormat[] = ['gpkg', 'geojson', 'zip'];
const DEFAULT_MAX_SIZE_BYTES = 100 * 1024 ** 2;
const NUMERIC_RULES = ['min', 'max', 'between'];
const NUMBER_LIKE_TYPES: FieldType[] = ['integer', 'bigint', 'numeric', 'double', 'text'];
const COMPARABLE_TYPES: FieldType[] = ['integer', 'bigint', 'numeric', 'double', 'date', 'timestamptz', 'text'];

/** Loading failed; `problems` are the lines to print, one per problem. */
export class ImporterLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid importer definitions:\n${problems.join('\n')}`);
    this.name = 'ImporterLoadError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false });
const validateFile = ajv.compile(IMPORTER_FILE_SCHEMA);

/** Problems of one file, each already prefixed with the file's name. */
class Problems {
  readonly lines: string[] = [];
  constructor(private readonly file: string) {}
  add(path: string, problem: string): void {
    this.lines.push(`${this.file}: ${path || '(file)'}: ${problem}`);
  }
}

type Json = Record<string, unknown>;

export interface ParseResult {
  definition: ImporterDefinition | null;
  problems: string[];
}

/**
 * Validates and normalizes the text of one importer file. `file` is how messages name it
 * (`importers/stations.yaml`); the default slug is its base name without extension.
 */
export function parseImporterFile(
  file: string,
  text: string,
  registry: ImporterRegistry = importerRegistry,
): ParseResult {
  const problems = new Problems(file);
  // YAML is a superset of JSON, and unlike JSON.parse it reports duplicate keys.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = lineCounter.linePos(error.pos[0]).line;
      problems.add('(file)', `not valid YAML/JSON${line ? ` (line ${line})` : ''}: ${error.message.split('\n')[0]}`);
    }
    return { definition: null, problems: problems.lines };
  }
  const data: unknown = doc.toJS();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    problems.add('(file)', 'must be a mapping of keys (slug, source, target, fields…)');
    return { definition: null, problems: problems.lines };
  }
  if (!validateFile(data)) {
    for (const error of validateFile.errors ?? []) problems.add(...schemaProblem(data, error));
    return { definition: null, problems: problems.lines };
  }
  const definition = normalize(file, data as unknown as Json, registry, problems);
  return { definition: problems.lines.length === 0 ? definition : null, problems: problems.lines };
}

/**
 * Loads every `*.yaml|*.yml|*.json` of `dir`. Throws an ImporterLoadError with every problem of every file
 * (duplicate slugs across files included).
 */
export function loadImporters(dir: string, registry: ImporterRegistry = importerRegistry): ImporterDefinition[] {
  const root = resolve(dir);
  const label = basename(root);
  let names: string[];
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
    names = readdirSync(root)
      .filter((name) => FILE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort();
  } catch {
    throw new ImporterLoadError([`${label}/: IMPORTERS_DIR: is not a readable directory`]);
  }
  const problems: string[] = [];
  const definitions: ImporterDefinition[] = [];
  const slugs = new Map<string, string>();
  for (const name of names) {
    const file = `${label}/${name}`;
    const result = parseImporterFile(file, readFileSync(join(root, name), 'utf8'), registry);
    problems.push(...result.problems);
    const def = result.definition;
    if (!def) continue;
    const first = slugs.get(def.slug);
    if (first) {
      problems.push(`${file}: slug: '${def.slug}' is already used by ${first}`);
      continue;
    }
    slugs.set(def.slug, file);
    definitions.push(def);
  }
  if (problems.length > 0) throw new ImporterLoadError(problems);
  return definitions;
}

/** `/fields/code/rules/1` → `fields.code.rules[1]`, reading the data to tell list indexes from keys. */
export function keyPath(data: unknown, pointer: string): string {
  if (pointer === '') return '';
  let node = data;
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path += path === '' ? segment : `.${segment}`;
      node = typeof node === 'object' && node !== null ? (node as Json)[segment] : undefined;
    }
  }
  return path;
}

function join2(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function schemaProblem(data: unknown, error: ErrorObject): [string, string] {
  const path = keyPath(data, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return [join2(path, String(params.additionalProperty)), 'unknown key'];
    case 'required':
      return [join2(path, String(params.missingProperty)), 'is required'];
    case 'enum':
      return [path, `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`];
    case 'type': {
      const types = String(params.type).split(',');
      return [path, `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`];
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return [path, `must be ${String(params.comparison)} ${String(params.limit)}`];
    case 'minItems':
      return [path, `must have at least ${String(params.limit)} item(s)`];
    case 'minProperties':
      return [path, `must have at least ${String(params.limit)} entry`];
    case 'uniqueItems':
      return [path, 'must not repeat an item'];
    case 'minLength':
      return [path, 'must not be empty'];
    case 'maxLength':
      return [path, `must be at most ${String(params.limit)} characters`];
    default:
      return [path, error.message ?? 'is invalid'];
  }
}

function normalize(file: string, data: Json, registry: ImporterRegistry, p: Problems): ImporterDefinition {
  const stem = basename(file).replace(/\.(ya?ml|json)$/i, '');
  let slug: string;
  if (typeof data.slug === 'string') {
    slug = data.slug;
    if (!SLUG_PATTERN.test(slug)) p.add('slug', `'${slug}' must match ${SLUG_PATTERN.source}`);
  } else {
    slug = stem;
    if (!SLUG_PATTERN.test(slug)) {
      p.add('slug', `the file name '${stem}' is not a valid slug (${SLUG_PATTERN.source}); set slug`);
    }
  }

  const source = normalizeSource(data.source as Json, p);
  const read = normalizeRead((data.read ?? {}) as Json, source.type, source.formats, p);

  const targetRaw = data.target as Json;
  const [schema, table] = splitTable(String(targetRaw.table), p);

  const fields = normalizeFields(data.fields as Record<string, Json | null>, registry, p);
  const columns = new Map(fields.map((f) => [f.column, f]));

  const duplicatesRaw = (data.duplicates ?? { strategy: 'insert' }) as Json;
  const strategy = duplicatesRaw.strategy as DuplicateStrategy;
  const key = (targetRaw.key as string[] | undefined) ?? [];
  if (key.length === 0 && strategy !== 'insert') {
    p.add('target.key', `is required for duplicates strategy ${strategy}`);
  }
  key.forEach((column, i) => {
    if (!columns.has(column)) p.add(`target.key[${i}]`, `'${column}' is not one of the fields`);
  });
  const compare = (duplicatesRaw.compare as string | undefined) ?? null;
  if (strategy === 'update_if_newer') {
    if (compare === null) p.add('duplicates.compare', 'is required for strategy update_if_newer');
    else if (!columns.has(compare)) p.add('duplicates.compare', `'${compare}' is not one of the fields`);
    else if (!COMPARABLE_TYPES.includes(columns.get(compare)!.type)) {
      p.add('duplicates.compare', `'${compare}' has type ${columns.get(compare)!.type}, which cannot be compared`);
    }
  } else if (compare !== null) {
    p.add('duplicates.compare', 'is only used by strategy update_if_newer');
  }

  const geometry = data.geometry ? normalizeGeometry(data.geometry as Json, source, columns, p) : null;

  const errors = (data.errors ?? {}) as Json;
  const rows = (data.rows ?? {}) as Json;
  return {
    slug,
    title: typeof data.title === 'string' ? data.title : slug,
    file,
    source,
    read,
    target: { schema, table, create: targetRaw.create === true, key },
    fields,
    geometry,
    duplicates: { strategy, compare },
    chunk_size: (data.chunk_size as number | undefined) ?? 5000,
    errors: {
      max_failed_rows: (errors.max_failed_rows as number | null | undefined) ?? null,
      max_failed_ratio: (errors.max_failed_ratio as number | null | undefined) ?? null,
    },
    rows: { keep_successful: rows.keep_successful === true },
    transaction: (data.transaction as TransactionMode | undefined) ?? 'chunk',
  };
}

/** Which keys of `source` each type uses. */
const SOURCE_KEYS: Record<ImporterSourceType, string[]> = {
  upload: ['formats', 'max_size_bytes'],
  url: ['url', 'formats', 'overridable', 'max_size_bytes'],
  storage: ['key', 'formats', 'overridable', 'max_size_bytes'],
  service: ['service', 'overridable'],
};
const REQUIRED_SOURCE_KEY: Record<ImporterSourceType, string> = {
  upload: 'formats',
  url: 'url',
  storage: 'key',
  service: 'service',
};

function normalizeSource(raw: Json, p: Problems): ImporterDefinition['source'] {
  const type = raw.type as ImporterSourceType;
  for (const key of Object.keys(raw)) {
    if (key !== 'type' && !SOURCE_KEYS[type].includes(key))
      p.add(`source.${key}`, `is not used by source type ${type}`);
  }
  const needed = REQUIRED_SOURCE_KEY[type];
  if (raw[needed] === undefined) p.add(`source.${needed}`, `is required for source type ${type}`);
  const url = (raw.url as string | undefined) ?? null;
  if (type === 'url' && url !== null) checkHttpUrl(url, 'source.url', p);
  const service = type === 'service' && raw.service ? normalizeService(raw.service as Json, p) : null;
  const overridable = (raw.overridable as string[] | undefined) ?? [];
  const ownKeys = OWN_OVERRIDABLE_KEYS[type];
  overridable.forEach((key, i) => {
    if (!(OVERRIDABLE_SOURCE_KEYS as readonly string[]).includes(key) || !ownKeys.includes(key)) {
      p.add(
        `source.overridable[${i}]`,
        ownKeys.length > 0
          ? `source type ${type} can only let a trigger replace ${ownKeys.map((k) => `'${k}'`).join(', ')}`
          : `'${key}' cannot be overridden`,
      );
    }
  });
  const formats =
    (raw.formats as SourceFormat[] | undefined) ?? (type === 'upload' || type === 'service' ? [] : [...SOURCE_FORMATS]);
  return {
    type,
    formats,
    url,
    key: (raw.key as string | undefined) ?? null,
    service,
    overridable: overridable as OverridableSourceKey[],
    max_size_bytes: (raw.max_size_bytes as number | undefined) ?? DEFAULT_MAX_SIZE_BYTES,
  };
}

/** What a trigger body may replace, per source type. */
const OWN_OVERRIDABLE_KEYS: Record<ImporterSourceType, string[]> = {
  upload: [],
  url: ['url'],
  storage: ['key'],
  service: ['service.url', 'service.layer_name', 'service.layer_id'],
};

/** `source.service`, normalized: ArcGIS needs a layer id (or a layer URL), WFS reads 2.0.0 unless told. */
function normalizeService(raw: Json, p: Problems): ImporterService {
  const url = String(raw.url);
  checkHttpUrl(url, 'source.service.url', p);
  const type = raw.service_type as ServiceSourceType;
  const layerName = String(raw.layer_name);
  // GDAL would read a leading '-' as an option.
  if (layerName.startsWith('-')) p.add('source.service.layer_name', "must not start with '-'");
  // The schema allows a digit string or a non-negative integer.
  const layerId = typeof raw.layer_id === 'number' || typeof raw.layer_id === 'string' ? String(raw.layer_id) : null;
  if (type === 'arcgis' && layerId === null && !/\/(?:FeatureServer|MapServer)\/\d+\/?$/i.test(url)) {
    p.add('source.service.layer_id', 'is required for an ArcGIS service (or a layer URL ending in /<id>)');
  }
  if (type !== 'arcgis' && layerId !== null) p.add('source.service.layer_id', 'is only used by arcgis services');
  const version = (raw.version as string | undefined) ?? null;
  if (type !== 'wfs' && version !== null) p.add('source.service.version', 'is only used by wfs services');
  const objectIdField = (raw.object_id_field as string | undefined) ?? null;
  if (type === 'oapif' && objectIdField !== null) {
    p.add('source.service.object_id_field', 'is only used by wfs and arcgis services');
  }
  return {
    url,
    service_type: type,
    layer_name: layerName,
    layer_id: layerId,
    version: type === 'wfs' ? (version ?? '2.0.0') : null,
    object_id_field: objectIdField,
  };
}

function checkHttpUrl(value: string, path: string, p: Problems): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    p.add(path, 'is not a valid URL');
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') p.add(path, 'must be an http or https URL');
  // Credentials belong in the deployment's secrets, not in a file the API shows.
  if (url.username || url.password) p.add(path, 'must not contain credentials');
}

function normalizeRead(
  raw: Json,
  type: ImporterSourceType,
  formats: SourceFormat[],
  p: Problems,
): ImporterDefinition['read'] {
  // A service source is read by its `source.service` settings: no `read` key applies to it.
  const has = (...wanted: SourceFormat[]): boolean => type !== 'service' && wanted.some((f) => formats.includes(f));
  const onlyFor = (key: string, wanted: SourceFormat[]): void => {
    if (raw[key] !== undefined && !has(...wanted)) p.add(`read.${key}`, `is only used by ${wanted.join('/')} sources`);
  };
  onlyFor('delimiter', ['csv', 'tsv']);
  onlyFor('sheet', ['xlsx']);
  onlyFor('pointer', ['json']);
  onlyFor('layer', GDAL_FORMATS);
  onlyFor('encoding', ['csv', 'tsv', 'json', 'ndjson']);
  if (raw.header_row !== undefined && raw.header_row !== 1) onlyFor('header_row', ['csv', 'tsv', 'xlsx']);
  const encoding = ((raw.encoding as string | undefined) ?? 'utf-8').toLowerCase();
  if (!knownEncoding(encoding)) p.add('read.encoding', `'${encoding}' is not a known encoding`);
  const pointer = (raw.pointer as string | undefined) ?? '';
  if (pointer !== '' && !pointer.startsWith('/'))
    p.add('read.pointer', "must be a JSON Pointer ('' or /path/to/array)");
  if (raw.delimiter === '"' || raw.delimiter === '\n' || raw.delimiter === '\r') {
    p.add('read.delimiter', 'cannot be a quote or a line break');
  }
  return {
    delimiter: (raw.delimiter as string | undefined) ?? null,
    encoding,
    header_row: (raw.header_row as number | undefined) ?? 1,
    sheet: (raw.sheet as string | number | undefined) ?? null,
    pointer,
    layer: (raw.layer as string | undefined) ?? null,
  };
}

// A boolean wrapper: iconv-lite's type guard would narrow a refused name to `never`.
function knownEncoding(name: string): boolean {
  return iconv.encodingExists(name);
}

function splitTable(text: string, p: Problems): [string, string] {
  const parts = text.split('.');
  const [schema, table] = parts.length === 1 ? ['public', parts[0] ?? ''] : [parts[0] ?? '', parts[1] ?? ''];
  if (parts.length > 2 || !isSafeIdentifier(schema) || !isSafeIdentifier(table)) {
    p.add('target.table', `'${text}' must be table or schema.table (lowercase letters, digits and _, at most 63)`);
  }
  return [schema, table];
}

function normalizeFields(raw: Record<string, Json | null>, registry: ImporterRegistry, p: Problems): FieldDefinition[] {
  return Object.entries(raw).map(([column, spec]) => {
    const path = `fields.${column}`;
    if (!isSafeIdentifier(column)) {
      p.add(path, 'the column name must be lowercase letters, digits and _ (starting with a letter or _, at most 63)');
    }
    const s = spec ?? {};
    const fromRaw = s.from === undefined ? [column] : typeof s.from === 'string' ? [s.from] : (s.from as unknown[]);
    const from: string[] = [];
    const seen = new Set<string>();
    if (fromRaw.length === 0) p.add(`${path}.from`, 'must name at least one source header');
    fromRaw.forEach((header, i) => {
      const at = typeof s.from === 'string' ? `${path}.from` : `${path}.from[${i}]`;
      if (typeof header !== 'string' || normalizeHeader(header) === '') {
        p.add(at, 'must be a non-empty header name');
        return;
      }
      const normalized = normalizeHeader(header);
      if (seen.has(normalized)) p.add(at, `'${header}' is listed twice (headers match ignoring case, spaces, _ and -)`);
      seen.add(normalized);
      from.push(header);
    });
    const type = (s.type as FieldType | undefined) ?? 'text';
    const transforms = normalizeSteps(
      s.transforms as unknown[] | undefined,
      `${path}.transforms`,
      'transform',
      registry,
      p,
    );
    const rules = normalizeSteps(s.rules as unknown[] | undefined, `${path}.rules`, 'rule', registry, p);
    (s.rules as unknown[] | undefined)?.forEach((item, i) => {
      const name = typeof item === 'string' ? item : Object.keys(item as Json)[0];
      // min/max/between compare numbers; on a date or a boolean they could never pass.
      if (name && NUMERIC_RULES.includes(name) && !NUMBER_LIKE_TYPES.includes(type)) {
        p.add(`${path}.rules[${i}].${name}`, `compares numbers; the field has type ${type}`);
      }
    });
    return {
      column,
      from,
      type,
      transforms,
      rules,
    };
  });
}

/** `trim` → `{name: 'trim', arg: null}`; `{max: 3}` → `{name: 'max', arg: 3}`; checks the name and argument. */
function normalizeSteps(
  raw: unknown[] | undefined,
  path: string,
  kind: 'transform' | 'rule',
  registry: ImporterRegistry,
  p: Problems,
): StepSpec[] {
  const steps: StepSpec[] = [];
  (raw ?? []).forEach((item, i) => {
    const at = `${path}[${i}]`;
    let step: StepSpec;
    if (typeof item === 'string') step = { name: item, arg: null };
    else {
      const entries = Object.entries(item as Json);
      if (entries.length !== 1) {
        p.add(at, `must be a ${kind} name or a mapping with exactly one ${kind} name`);
        return;
      }
      const [name, arg] = entries[0]!;
      step = { name, arg: arg ?? null };
    }
    const problem = stepProblem(step, kind, registry);
    if (problem) {
      p.add(
        problem.key ? `${at}.${step.name}.${problem.key}` : problem.named ? `${at}.${step.name}` : at,
        problem.message,
      );
      return;
    }
    steps.push(step);
  });
  return steps;
}

interface StepProblem {
  message: string;
  /** The problem is about the argument (path `…[i].<name>`). */
  named: boolean;
  key?: string;
}

export function stepProblem(
  step: StepSpec,
  kind: 'transform' | 'rule',
  registry: ImporterRegistry,
): StepProblem | null {
  if (kind === 'rule' && (DEFERRED_RULES as readonly string[]).includes(step.name)) {
    return deferredRuleProblem(step);
  }
  const def = kind === 'transform' ? registry.transform(step.name) : registry.rule(step.name);
  if (!def) {
    const known = kind === 'transform' ? registry.transformNames() : registry.ruleNames();
    return { message: `unknown ${kind} '${step.name}' (known: ${known.join(', ')})`, named: false };
  }
  if (!def.argument) {
    return step.arg === null || step.arg === true ? null : { message: 'takes no argument', named: true };
  }
  try {
    def.argument(step.arg);
    return null;
  } catch (error) {
    if (error instanceof StepArgumentError) return { message: error.message, named: true, key: error.key };
    return { message: 'has an invalid argument', named: true };
  }
}

/** Parses `{exists: {table, column}}` → the referenced schema, table and column. */
export function existsTarget(arg: unknown): { schema: string; table: string; column: string } | null {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return null;
  const { table, column, ...rest } = arg as Json;
  if (Object.keys(rest).length > 0 || typeof table !== 'string' || typeof column !== 'string') return null;
  const parts = table.split('.');
  const [schema, name] = parts.length === 1 ? ['public', parts[0] ?? ''] : [parts[0] ?? '', parts[1] ?? ''];
  if (parts.length > 2 || !isSafeIdentifier(schema) || !isSafeIdentifier(name) || !isSafeIdentifier(column))
    return null;
  return { schema, table: name, column };
}

function deferredRuleProblem(step: StepSpec): StepProblem | null {
  if (step.name === 'unique_in_file') {
    return step.arg === null || step.arg === true ? null : { message: 'takes no argument', named: true };
  }
  return existsTarget(step.arg)
    ? null
    : { message: 'must be {table: schema.table, column: name} with valid identifiers', named: true };
}

function normalizeGeometry(
  raw: Json,
  source: ImporterDefinition['source'],
  columns: Map<string, FieldDefinition>,
  p: Problems,
): GeometryDefinition {
  const column = (raw.column as string | undefined) ?? 'geom';
  if (!isSafeIdentifier(column)) p.add('geometry.column', 'must be lowercase letters, digits and _ (at most 63)');
  if (columns.has(column)) p.add('geometry.column', `'${column}' is also a field`);
  const srid = (raw.srid as number | undefined) ?? 4326;
  const from = raw.from;
  let parsed: GeometryDefinition['from'] = { kind: 'source' };
  if (from === 'source') {
    // A feature service's features always carry their geometry.
    if (source.type !== 'service' && !GDAL_FORMATS.some((f) => source.formats.includes(f))) {
      p.add('geometry.from', 'source needs a format with geometry (gpkg, geojson or zip, or a service)');
    }
  } else if (typeof from === 'object' && from !== null) {
    const keys = Object.keys(from).sort().join(',');
    const f = from as Json;
    const nonEmpty = (v: unknown): v is string => typeof v === 'string' && normalizeHeader(v) !== '';
    if (keys === 'x,y' && nonEmpty(f.x) && nonEmpty(f.y)) parsed = { kind: 'xy', x: f.x, y: f.y };
    else if (keys === 'wkt' && nonEmpty(f.wkt)) parsed = { kind: 'wkt', field: f.wkt };
    else p.add('geometry.from', 'must be {x: <header>, y: <header>}, {wkt: <header>} or source');
  } else {
    p.add('geometry.from', 'must be {x: <header>, y: <header>}, {wkt: <header>} or source');
  }
  return { column, srid, from: parsed };
}

// A definition turned into the per-row function the worker runs: header binding, transforms, cast,
// row-local rules and geometry. Rules that need the database or the whole file become DeferredChecks.
import { importerRegistry } from './builtins.js';
import { castValue } from './cast.js';
import type { FieldDefinition, FieldType, ImporterDefinition } from './definition.js';
import { normalizeHeader } from './headers.js';
import { existsTarget } from './load.js';
import type {
  AcceptedRow,
  CompiledImporter,
  DeferredCheck,
  HeaderBinding,
  ProcessedRow,
  SourceRecord,
} from './processing.js';
import {
  DEFERRED_RULES,
  TransformFailure,
  type ImporterRegistry,
  type RuleDefinition,
  type TransformContext,
  type TransformDefinition,
} from './registry.js';
import { DECIMAL_NUMBER } from './builtins.js';

interface CompiledStep<D> {
  name: string;
  def: D;
  arg: unknown;
}

interface CompiledField {
  field: FieldDefinition;
  transforms: CompiledStep<TransformDefinition>[];
  rules: CompiledStep<RuleDefinition>[];
}

const WKT_TYPES = 'POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION';
const WKT = new RegExp(
  `^(?:SRID=(\\d+);)?\\s*(${WKT_TYPES})(?:\\s*(?:ZM|Z|M))?\\s*(EMPTY|\\([\\s\\d.eE+\\-,()A-Za-z]*\\))$`,
  'i',
);

/** Replaces `:field` in a rule or cast message. */
function message(template: string, field: string): string {
  return template.replace(/:field/g, field);
}

/** Header lookup of a file: normalized header → the first header with that form. */
function headerLookup(headers: Iterable<string>): Map<string, string> {
  const lookup = new Map<string, string>();
  for (const header of headers) {
    const key = normalizeHeader(header);
    if (key !== '' && !lookup.has(key)) lookup.set(key, header);
  }
  return lookup;
}

/** Compiles a validated definition. Throws only for a definition the loader would have refused. */
export function compileImporter(
  definition: ImporterDefinition,
  registry: ImporterRegistry = importerRegistry,
): CompiledImporter {
  const deferredChecks: DeferredCheck[] = [];
  const extraHeaders: string[] = [];
  const fields: CompiledField[] = definition.fields.map((field) => {
    const transforms = field.transforms.map((step) => {
      const def = registry.transform(step.name);
      if (!def) throw new Error(`unknown transform '${step.name}'`);
      const arg = def.argument ? def.argument(step.arg) : null;
      if (def.headers) extraHeaders.push(...def.headers(arg));
      return { name: step.name, def, arg };
    });
    const rules: CompiledStep<RuleDefinition>[] = [];
    for (const step of field.rules) {
      if (step.name === 'unique_in_file') {
        deferredChecks.push({ rule: 'unique_in_file', column: field.column });
      } else if (step.name === 'exists') {
        const target = existsTarget(step.arg);
        if (!target) throw new Error('invalid exists rule');
        deferredChecks.push({
          rule: 'exists',
          column: field.column,
          table: `${target.schema}.${target.table}`,
          ref_column: target.column,
        });
      } else if (!(DEFERRED_RULES as readonly string[]).includes(step.name)) {
        const def = registry.rule(step.name);
        if (!def) throw new Error(`unknown rule '${step.name}'`);
        rules.push({ name: step.name, def, arg: def.argument ? def.argument(step.arg) : null });
      }
    }
    return { field, transforms, rules };
  });
  const geometry = definition.geometry;
  const geometryHeaders =
    geometry?.from.kind === 'xy'
      ? [geometry.from.x, geometry.from.y]
      : geometry?.from.kind === 'wkt'
        ? [geometry.from.field]
        : [];
  const columnTypes: Record<string, FieldType> = Object.fromEntries(definition.fields.map((f) => [f.column, f.type]));

  // Headers named in the definition, normalized once rather than per row.
  const normalizedNames = new Map<string, string>();
  const normalizedName = (header: string): string => {
    let name = normalizedNames.get(header);
    if (name === undefined) {
      name = normalizeHeader(header);
      normalizedNames.set(header, name);
    }
    return name;
  };

  function bind(headers: string[]): HeaderBinding {
    const lookup = headerLookup(headers);
    const used = new Set<string>();
    const columns: Record<string, string | null> = {};
    for (const { field } of fields) {
      const header = field.from.map((h) => lookup.get(normalizeHeader(h))).find((h) => h !== undefined) ?? null;
      columns[field.column] = header;
      if (header !== null) used.add(header);
    }
    for (const h of [...extraHeaders, ...geometryHeaders]) {
      const header = lookup.get(normalizeHeader(h));
      if (header !== undefined) used.add(header);
    }
    return {
      columns,
      unused: headers.filter((h) => !used.has(h)),
      sources: Object.fromEntries(lookup),
    };
  }

  function process(record: SourceRecord, binding: HeaderBinding): ProcessedRow {
    const sources = binding.sources ?? Object.fromEntries(headerLookup(Object.keys(record.data)));
    const source = (header: string): unknown => {
      const actual = sources[normalizedName(header)];
      return actual === undefined ? null : (record.data[actual] ?? null);
    };
    const values: Record<string, unknown> = {};
    // Built only for a row that fails: most rows allocate nothing here.
    let validation: Record<string, string[]> | null = null;
    const fail = (column: string, text: string): void => {
      validation ??= {};
      (validation[column] ??= []).push(message(text, column));
    };
    for (const { field, transforms, rules } of fields) {
      const header = binding.columns[field.column] ?? null;
      let value: unknown = header === null ? null : (record.data[header] ?? null);
      let failed = false;
      const context: TransformContext | null = transforms.length > 0 ? { field: field.column, source } : null;
      for (const step of transforms) {
        try {
          value = step.def.apply(value, step.arg, context as TransformContext) ?? null;
        } catch (error) {
          // A custom transform's own bug must not stop the run: the row fails, with a safe message.
          fail(
            field.column,
            error instanceof TransformFailure
              ? error.message
              : `The :field field could not be converted (${step.name}).`,
          );
          failed = true;
          break;
        }
      }
      if (failed) continue;
      // An empty cell is a missing value for every type (CSV cannot tell them apart).
      if (typeof value === 'string' && value.trim() === '') value = null;
      if (value !== null) {
        const cast = castValue(value, field.type);
        if (!cast.ok) {
          fail(field.column, cast.message);
          continue;
        }
        value = cast.value;
      }
      for (const rule of rules) {
        if (value === null && !rule.def.implicit) continue;
        let problem: string | null;
        try {
          problem = rule.def.check(value, rule.arg, { field: field.column, type: field.type });
        } catch {
          problem = `The :field field could not be checked (${rule.name}).`;
        }
        if (problem !== null) fail(field.column, problem);
      }
      values[field.column] = value;
    }
    let geometryValue: AcceptedRow['geometry'] = null;
    if (geometry) {
      const result = buildGeometry(geometry, record, source);
      if (typeof result === 'string') fail(geometry.column, result);
      else geometryValue = result;
    }
    if (validation !== null) {
      return { ok: false, row_number: record.row_number, errors: { message: 'Validation failed.', validation } };
    }
    return { ok: true, row_number: record.row_number, values, geometry: geometryValue };
  }

  function deferredMessage(check: DeferredCheck): string {
    return `${check.column}: ${deferredFieldMessage(check)}`;
  }

  return {
    definition,
    columnTypes,
    deferredChecks,
    bind,
    process,
    deferredMessage,
    deferredError: (check) => ({
      message: 'Validation failed.',
      validation: { [check.column]: [deferredFieldMessage(check)] },
    }),
  };
}

function deferredFieldMessage(check: DeferredCheck): string {
  return check.rule === 'exists'
    ? `The selected ${check.column} is invalid.`
    : `The ${check.column} field has a duplicate value in the file.`;
}

function coordinate(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && DECIMAL_NUMBER.test(value.trim())) return Number(value);
  return null;
}

const isBlank = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** The row's geometry, null when the row has none, or a validation message (`:field` = the geometry column). */
function buildGeometry(
  geometry: NonNullable<ImporterDefinition['geometry']>,
  record: SourceRecord,
  source: (header: string) => unknown,
): AcceptedRow['geometry'] | string {
  const { srid, from } = geometry;
  switch (from.kind) {
    case 'source':
      return record.geometry === null ? null : { geojson: record.geometry, srid };
    case 'xy': {
      const rawX = source(from.x);
      const rawY = source(from.y);
      if (isBlank(rawX) && isBlank(rawY)) return null;
      const x = coordinate(rawX);
      const y = coordinate(rawY);
      if (x === null || y === null) return `The :field field needs numeric coordinates in ${from.x} and ${from.y}.`;
      if (srid === 4326 && (Math.abs(x) > 180 || Math.abs(y) > 90)) {
        return `The :field field coordinates must be within -180..180 (${from.x}) and -90..90 (${from.y}).`;
      }
      return { ewkt: `SRID=${srid};POINT(${x} ${y})` };
    }
    case 'wkt': {
      const raw = source(from.field);
      if (isBlank(raw)) return null;
      const text = String(raw).trim();
      const m = WKT.exec(text);
      if (!m || !balanced(text)) return 'The :field field must be valid WKT.';
      if (m[1] !== undefined && Number(m[1]) !== srid) return `The :field field must be in SRID ${srid}.`;
      const body = m[1] !== undefined ? text.slice(text.indexOf(';') + 1).trim() : text;
      return { ewkt: `SRID=${srid};${body}` };
    }
  }
  return null;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

// TEST DOUBLES for the importer pipeline's integration tests: a hand-written CompiledImporter and
// RecordReader standing in for the importers library (compileImporter) and the file readers until they
// are merged. They implement only what the tests need: a few casts and rules, xy geometry.
import type {
  AcceptedRow,
  CompiledImporter,
  DeferredCheck,
  FieldDefinition,
  FieldType,
  HeaderBinding,
  ImporterDefinition,
  ProcessedRow,
  RecordReader,
  RowErrors,
  SourceRecord,
} from '@app/importers';

const normal = (header: string): string => header.toLowerCase().replace(/[\s_-]/g, '');

export type FieldSpec = Partial<Omit<FieldDefinition, 'column'>> & { column: string };

/** A complete definition with test defaults; `fields` take a column and optionally a type and rules. */
export function testDefinition(
  overrides: Partial<Omit<ImporterDefinition, 'fields'>> & { fields: FieldSpec[] },
): ImporterDefinition {
  return {
    slug: 'test',
    title: 'Test importer',
    file: 'importers/test.yaml',
    source: {
      type: 'upload',
      formats: ['csv'],
      url: null,
      key: null,
      service: null,
      overridable: [],
      max_size_bytes: 1e8,
    },
    read: { delimiter: null, encoding: 'utf-8', header_row: 1, sheet: null, pointer: '', layer: null },
    target: { schema: 'public', table: 'x', create: false, key: [] },
    geometry: null,
    duplicates: { strategy: 'insert', compare: null },
    chunk_size: 5,
    errors: { max_failed_rows: null, max_failed_ratio: null },
    rows: { keep_successful: false },
    transaction: 'chunk',
    ...overrides,
    fields: overrides.fields.map((f) => ({
      from: [f.column],
      type: 'text',
      transforms: [],
      rules: [],
      ...f,
    })),
  };
}

/** A source value as text (records hold strings, numbers, booleans, or JSON values). */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function cast(value: unknown, type: FieldType): { ok: true; value: unknown } | { ok: false } {
  if (value === null || value === undefined || value === '') return { ok: true, value: null };
  const text = asText(value).trim();
  switch (type) {
    case 'integer':
    case 'bigint':
      return /^-?\d+$/.test(text) ? { ok: true, value: Number(text) } : { ok: false };
    case 'numeric':
    case 'double':
      return Number.isFinite(Number(text)) ? { ok: true, value: Number(text) } : { ok: false };
    case 'boolean':
      return { ok: true, value: ['1', 'true', 'yes'].includes(text.toLowerCase()) };
    case 'date':
    case 'timestamptz': {
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? { ok: false } : { ok: true, value: date };
    }
    case 'json':
      return { ok: true, value };
    default:
      return { ok: true, value: text };
  }
}

/** A CompiledImporter double: header binding, casts, `required` and `between` rules, deferred checks. */
export class FakeCompiledImporter implements CompiledImporter {
  readonly columnTypes: Record<string, FieldType>;
  readonly deferredChecks: DeferredCheck[];

  constructor(readonly definition: ImporterDefinition) {
    this.columnTypes = Object.fromEntries(definition.fields.map((f) => [f.column, f.type]));
    this.deferredChecks = definition.fields.flatMap((f): DeferredCheck[] =>
      f.rules.flatMap((rule): DeferredCheck[] => {
        if (rule.name === 'unique_in_file') return [{ rule: 'unique_in_file', column: f.column }];
        if (rule.name === 'exists') {
          const arg = rule.arg as { table: string; column: string };
          return [{ rule: 'exists', column: f.column, table: arg.table, ref_column: arg.column }];
        }
        return [];
      }),
    );
  }

  bind(headers: string[]): HeaderBinding {
    const columns: Record<string, string | null> = {};
    const used = new Set<string>();
    for (const field of this.definition.fields) {
      const header = field.from.map(normal).flatMap((want) => headers.filter((h) => normal(h) === want))[0] ?? null;
      columns[field.column] = header;
      if (header) used.add(header);
    }
    const geometry = this.definition.geometry?.from;
    if (geometry?.kind === 'xy') for (const h of headers) if ([geometry.x, geometry.y].includes(h)) used.add(h);
    return { columns, unused: headers.filter((h) => !used.has(h)) };
  }

  process(record: SourceRecord, binding: HeaderBinding): ProcessedRow {
    const values: Record<string, unknown> = {};
    const validation: Record<string, string[]> = {};
    const fail = (column: string, message: string): void => {
      (validation[column] ??= []).push(message);
    };
    for (const field of this.definition.fields) {
      const header = binding.columns[field.column];
      const casted = cast(header ? record.data[header] : null, field.type);
      if (!casted.ok) {
        fail(field.column, `The ${field.column} must be of type ${field.type}.`);
        continue;
      }
      values[field.column] = casted.value;
      for (const rule of field.rules) {
        if (rule.name === 'required' && casted.value === null)
          fail(field.column, `The ${field.column} field is required.`);
        if (rule.name === 'between' && casted.value !== null) {
          const [low, high] = rule.arg as [number, number];
          const n = Number(casted.value);
          if (n < low || n > high) fail(field.column, `The ${field.column} must be between ${low} and ${high}.`);
        }
      }
    }
    if (Object.keys(validation).length > 0) {
      return { ok: false, row_number: record.row_number, errors: { message: 'Validation failed.', validation } };
    }
    let geometry: AcceptedRow['geometry'] = null;
    const g = this.definition.geometry;
    if (g?.from.kind === 'xy') {
      const x = record.data[g.from.x];
      const y = record.data[g.from.y];
      if (x !== undefined && y !== undefined && x !== '' && y !== '') {
        geometry = { ewkt: `SRID=${g.srid};POINT(${asText(x)} ${asText(y)})` };
      }
    } else if (g?.from.kind === 'source') {
      // A GDAL layer's geometry arrives as GeoJSON in the layer's CRS; this double's layers are EPSG:3857.
      if (record.geometry) geometry = { geojson: record.geometry, srid: 3857 };
    } else if (g?.from.kind === 'wkt') {
      const wkt = record.data[g.from.field];
      if (typeof wkt === 'string' && wkt !== '') geometry = { ewkt: `SRID=${g.srid};${wkt}` };
    }
    return { ok: true, row_number: record.row_number, values, geometry };
  }

  deferredMessage(check: DeferredCheck): string {
    return `${check.column}: ${this.fieldMessage(check)}`;
  }

  deferredError(check: DeferredCheck): RowErrors {
    return { message: 'Validation failed.', validation: { [check.column]: [this.fieldMessage(check)] } };
  }

  private fieldMessage(check: DeferredCheck): string {
    return check.rule === 'exists'
      ? `The selected ${check.column} is invalid.`
      : `The ${check.column} has already been taken in this file.`;
  }
}

/** Hooks into a reader: called before each record is handed out (throw to simulate a crash). */
export type RecordHook = (record: SourceRecord, position: number) => void | Promise<void>;

/** A RecordReader double over rows in memory, numbered from 1 in order. */
export class ArrayRecordReader implements RecordReader {
  readonly total: number;
  closed = false;

  constructor(
    readonly headers: string[],
    private readonly rows: Record<string, unknown>[],
    private readonly hook?: RecordHook,
    /** GeoJSON geometries by position, as a GDAL layer would give them. */
    private readonly geometries: (string | null)[] = [],
  ) {
    this.total = rows.length;
  }

  async *records(from = 1): AsyncIterable<SourceRecord> {
    for (let i = from - 1; i < this.rows.length; i++) {
      const record: SourceRecord = {
        row_number: i + 1,
        data: this.rows[i] ?? {},
        geometry: this.geometries[i] ?? null,
      };
      await this.hook?.(record, i + 1);
      yield record;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

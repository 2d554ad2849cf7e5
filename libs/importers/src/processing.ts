// The contract between an importer definition and the worker's row pipeline (types only; the
// implementation lives next to the transforms and rules).
import type { FieldType, ImporterDefinition, RowErrors } from './definition.js';

/** One record as read from a source, under its original headers. Row numbers start at 1 (first data row). */
export interface SourceRecord {
  row_number: number;
  data: Record<string, unknown>;
  /** GDAL sources: the feature's geometry as GeoJSON text (in the layer's CRS), else null. */
  geometry: string | null;
}

/** How a definition's `from` lists resolved against a file's headers. */
export interface HeaderBinding {
  /** Target column → the header it reads (null when no listed header is present: the value is null). */
  columns: Record<string, string | null>;
  /** Headers the definition does not use (reported as a warning, never an error). */
  unused: string[];
  /**
   * Normalized header → the file's header, for transforms that read other headers (`concat`) and for
   * geometry. Filled by `bind`; when absent, `process` derives it from each record's keys.
   */
  sources?: Record<string, string>;
}

/** A checked value set, ready for the staging table: values are already cast to the field's type. */
export interface AcceptedRow {
  ok: true;
  row_number: number;
  /**
   * Target column → value: integer and double as JS numbers; bigint and numeric as exact decimal strings;
   * boolean; date as `YYYY-MM-DD`; timestamptz as an ISO 8601 string; uuid lowercased; json as the parsed
   * value; text as a string; null for a missing or empty value.
   */
  values: Record<string, unknown>;
  /** EWKT (`SRID=4326;POINT(…)`) for xy/wkt geometry, GeoJSON for source geometry, null without geometry. */
  geometry: { ewkt: string } | { geojson: string; srid: number } | null;
}

export interface RejectedRow {
  ok: false;
  row_number: number;
  errors: RowErrors;
}

export type ProcessedRow = AcceptedRow | RejectedRow;

/**
 * Rules that need the database or the whole file: the pipeline checks them in SQL, per chunk, after the
 * row-local rules passed. Their messages come from `deferredMessage`. `exists.table` is `schema.table` and
 * `ref_column` a column of it, all checked safe identifiers.
 */
export type DeferredCheck =
  { rule: 'exists'; column: string; table: string; ref_column: string } | { rule: 'unique_in_file'; column: string };

export interface CompiledImporter {
  readonly definition: ImporterDefinition;
  /** Column → SQL type of each target field (geometry excluded). */
  readonly columnTypes: Record<string, FieldType>;
  readonly deferredChecks: DeferredCheck[];
  bind(headers: string[]): HeaderBinding;
  /** Transforms, cast and row-local rules. Never throws for bad data: a bad row is a RejectedRow. */
  process(record: SourceRecord, binding: HeaderBinding): ProcessedRow;
  /** The user-facing message of a failed deferred check (e.g. `code: The selected code is invalid.`). */
  deferredMessage(check: DeferredCheck): string;
  /**
   * The row errors of a failed deferred check, shaped like any validation failure:
   * `{message: 'Validation failed.', validation: {code: ['The selected code is invalid.']}}`.
   */
  deferredError(check: DeferredCheck): RowErrors;
}

/**
 * A source opened for an importer run. Opening makes one pass over the file (the pre-count), so the
 * total and the headers are known before the first record is processed.
 */
export interface RecordReader {
  /** Headers in first-seen order (for JSON: the union of the records' keys). */
  readonly headers: string[];
  /** Exact number of data rows. */
  readonly total: number;
  /** Records in file order, from row `from` (1-based; earlier rows are skipped, not returned). */
  records(from?: number): AsyncIterable<SourceRecord>;
  close(): Promise<void>;
}

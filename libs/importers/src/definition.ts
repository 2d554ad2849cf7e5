// The normalized, validated form of an importer file (DESIGN §4). Files are parsed and checked by the
// loader; everything downstream (gateway, worker pipeline, CLI) reads only these types.

export const SOURCE_TYPES = ['upload', 'url', 'storage', 'service'] as const;
export type ImporterSourceType = (typeof SOURCE_TYPES)[number];

export const SOURCE_FORMATS = ['csv', 'tsv', 'xlsx', 'json', 'ndjson', 'geojson', 'gpkg', 'zip'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export const FIELD_TYPES = [
  'text',
  'integer',
  'bigint',
  'numeric',
  'double',
  'boolean',
  'date',
  'timestamptz',
  'uuid',
  'json',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const DUPLICATE_STRATEGIES = ['insert', 'skip', 'update', 'upsert', 'fail', 'update_if_newer'] as const;
export type DuplicateStrategy = (typeof DUPLICATE_STRATEGIES)[number];

export const TRANSACTION_MODES = ['chunk', 'run'] as const;
export type TransactionMode = (typeof TRANSACTION_MODES)[number];

/**
 * Keys of `source` a trigger body may replace: `url` (type url), `key` (type storage), and for type
 * service the service's `url`, `layer_name` and `layer_id` (sent as `source: {service: {url, …}}`).
 */
export const OVERRIDABLE_SOURCE_KEYS = ['url', 'key', 'service.url', 'service.layer_name', 'service.layer_id'] as const;
export type OverridableSourceKey = (typeof OVERRIDABLE_SOURCE_KEYS)[number];

/** A transform or rule as written in a file, normalized: `trim` → `{name: 'trim', arg: null}`, `{max: 3}` → `{name: 'max', arg: 3}`. */
export interface StepSpec {
  name: string;
  arg: unknown;
}

export interface ImporterSource {
  type: ImporterSourceType;
  /** Accepted upload formats (upload); for url/storage sources, the formats the fetched file may have. */
  formats: SourceFormat[];
  url: string | null;
  key: string | null;
  /** A remote feature service (type `service`). */
  service: ImporterService | null;
  overridable: OverridableSourceKey[];
  max_size_bytes: number;
}

export const SERVICE_SOURCE_TYPES = ['wfs', 'arcgis', 'oapif'] as const;
export type ServiceSourceType = (typeof SERVICE_SOURCE_TYPES)[number];
export const WFS_VERSIONS = ['1.0.0', '1.1.0', '2.0.0'] as const;

/** The layer of a remote feature service an importer reads (DESIGN §1.2's services). */
export interface ImporterService {
  /** WFS endpoint, OGC API Features landing page, or ArcGIS FeatureServer/MapServer (or a layer of one). */
  url: string;
  service_type: ServiceSourceType;
  /** WFS type name, OGC API collection id, or the ArcGIS layer's name. */
  layer_name: string;
  /** ArcGIS: the layer id (null: the one the URL names). */
  layer_id: string | null;
  /** WFS: the protocol version (default 2.0.0, which pages sorted); null for other services. */
  version: string | null;
  /** The field the service pages are ordered by (ArcGIS object id, WFS sort field); null: detected. */
  object_id_field: string | null;
}

export interface ImporterRead {
  /** csv/tsv: null = detect. */
  delimiter: string | null;
  /** An iconv-lite encoding name; `utf-8` strips a BOM. */
  encoding: string;
  /** 1-based line (csv) or sheet row (xlsx) holding the header. */
  header_row: number;
  /** xlsx: sheet name or 1-based index; null = the first sheet. */
  sheet: string | number | null;
  /** json: JSON Pointer to the array of records; '' = the top level. */
  pointer: string;
  /** GDAL formats: the layer to read; null = the first layer. */
  layer: string | null;
}

export interface ImporterTarget {
  /** Schema and table, unquoted identifiers (e.g. `public`, `stations`). */
  schema: string;
  table: string;
  create: boolean;
  /** Target columns that identify a record (required unless the strategy is `insert`). */
  key: string[];
}

export interface FieldDefinition {
  /** The target column. */
  column: string;
  /** Source headers tried in order, matched ignoring case, spaces, `_` and `-`; defaults to `[column]`. */
  from: string[];
  type: FieldType;
  transforms: StepSpec[];
  rules: StepSpec[];
}

export type GeometryFrom = { kind: 'xy'; x: string; y: string } | { kind: 'wkt'; field: string } | { kind: 'source' };

export interface GeometryDefinition {
  column: string;
  srid: number;
  from: GeometryFrom;
}

export interface ImporterDefinition {
  slug: string;
  title: string;
  /** The file it came from, relative to IMPORTERS_DIR's parent (e.g. `importers/stations.yaml`), for messages. */
  file: string;
  source: ImporterSource;
  read: ImporterRead;
  target: ImporterTarget;
  fields: FieldDefinition[];
  geometry: GeometryDefinition | null;
  duplicates: { strategy: DuplicateStrategy; compare: string | null };
  chunk_size: number;
  errors: { max_failed_rows: number | null; max_failed_ratio: number | null };
  rows: { keep_successful: boolean };
  transaction: TransactionMode;
}

/** A row failure, as stored in `ingest_rows.errors` and shown by the API. */
export interface RowErrors {
  message: string;
  /** Present for validation failures: target field → messages. */
  validation?: Record<string, string[]>;
}

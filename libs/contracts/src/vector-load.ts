/**
 * The contract between the two halves of a vector load: GDAL copies a layer into a staging table, then
 * the database side builds geometry, tightens types, indexes and describes it.
 */

/** Where GDAL's PostgreSQL driver writes (libpq connection parameters). */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** What the load does about geometry, decided from the layer and the request before anything is written. */
export type GeometryMode =
  { kind: 'layer' } | { kind: 'none' } | { kind: 'xy'; x: string; y: string } | { kind: 'wkt'; column: string };

export interface VectorLoadWarning {
  code: string;
  message: string;
}

/** A staging table as GDAL left it, and what the database side still has to do with it. */
export interface StagedLayer {
  geometry: GeometryMode;
  /** SRID the geometry has or will have, when known before the load. */
  srid: number | null;
  /** EPSG:4326 was assumed for lon/lat-by-default data: to be checked against the data. */
  assumedLonLat: boolean;
  warnings: VectorLoadWarning[];
}

/** The outcome of a vector load: a finished table, described. */
export interface VectorLoadResult {
  featureCount: number;
  /** e.g. 'MultiPolygon', 'Point'; null without geometry. */
  geometryType: string | null;
  srid: number | null;
  /** WGS84 bounding box [minX, minY, maxX, maxY]; null without geometry or rows. */
  extent: [number, number, number, number] | null;
  /** User columns after renames (without gid and geom). */
  columns: { name: string; type: string }[];
  warnings: VectorLoadWarning[];
}

/** A permanent failure caused by the source or the request; `message` is safe to show users. */
export class VectorIngestError extends Error {
  constructor(
    readonly code: string,
    userMessage: string,
    options?: ErrorOptions,
  ) {
    super(userMessage, options);
    this.name = 'VectorIngestError';
  }
}

/** The database or the source's storage could not be reached: worth another attempt. */
export class VectorLoadUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VectorLoadUnavailableError';
  }
}

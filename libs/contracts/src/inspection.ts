/**
 * What a worker answers to a preview job (the BullMQ return value the gateway awaits). Plain data: the
 * gateway reads it without touching GDAL.
 */

/** What a preview shows about a vector source (DESIGN.md §1.1). */
export interface VectorLayerSummary {
  name: string;
  feature_count: number | null;
  field_count: number;
  geometry_type: string | null;
}

export interface DetectedGeometryColumns {
  x_column: string | null;
  y_column: string | null;
  wkt_column: string | null;
}

export interface VectorInspection {
  kind: 'vector';
  driver: string;
  layer_name: string;
  layers: VectorLayerSummary[];
  columns: { name: string; type: string }[];
  crs: number | null;
  geometry_type: string | null;
  feature_count: number | null;
  sample_rows: Record<string, unknown>[];
  detected_geometry_columns: DetectedGeometryColumns | null;
}

export interface RasterInspection {
  kind: 'raster';
  driver: string;
  crs: number | null;
  width: number;
  height: number;
  band_count: number;
  dtype: string;
  nodata: number | null;
  res_x: number | null;
  res_y: number | null;
  compression: string | null;
  is_cog: boolean;
  cog_issues: string[];
}

export type Inspection = VectorInspection | RasterInspection;

/** A preview that could not be made for a reason the user can act on (unreadable file, unknown layer). */
export interface PreviewRefusal {
  code: string;
  message: string;
  extensions?: Record<string, unknown>;
}

export type PreviewOutcome = { ok: true; inspection: Inspection } | { ok: false; refusal: PreviewRefusal };

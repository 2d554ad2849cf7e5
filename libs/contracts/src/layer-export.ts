/**
 * One vector layer written out as newline-delimited GeoJSON features (GDAL's GeoJSONSeq), for an
 * importer run to read line by line: the GDAL child writes it, the worker reads it without GDAL.
 */
export interface LayerExportResult {
  /** The layer that was exported (the first one when none was asked for). */
  layer: string;
  /** EPSG code of the layer's CRS; the coordinates are written in that CRS, not reprojected. Null when unknown. */
  epsg: number | null;
  /** The layer's attribute fields in schema order, with OGR's type names (`String`, `Date`, `DateTime`…). */
  fields: { name: string; type: string }[];
  /** Features written. */
  features: number;
}

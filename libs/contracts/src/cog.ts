/** Codecs a commit may ask a COG conversion for (all lossless). */
export const COG_COMPRESSIONS = ['DEFLATE', 'ZSTD', 'LZW'] as const;
export type CogCompressionName = (typeof COG_COMPRESSIONS)[number];

/** Overview resampling methods a commit may ask for. */
export const COG_RESAMPLINGS = ['nearest', 'bilinear', 'cubic', 'average', 'mode'] as const;
export type CogResamplingName = (typeof COG_RESAMPLINGS)[number];

/** What a raster dataset records about its raster (stored with the dataset). */
export interface RasterInfo {
  width: number;
  height: number;
  band_count: number;
  dtype: string;
  /** Of the first band; may be NaN or ±Infinity (GDAL reports those as strings). */
  nodata: number | null;
  res_x: number;
  res_y: number;
  /**
   * GDAL's geotransform [origin x, pixel width, row rotation, origin y, column rotation, pixel height]:
   * VRT compatibility checks read rotation and grid alignment from it. Absent on rasters stored before
   * it was recorded.
   */
  geo_transform?: number[];
}

/** The outcome of a raster ingest's GDAL step. */
export interface CogResult {
  /** False: the source already was a compliant COG and was not rewritten; outputPath is untouched. */
  converted: boolean;
  /** Why the source could not be stored as is (empty when kept). */
  issues: string[];
  /** Of the resulting COG, or of the kept source. */
  raster: RasterInfo;
  /** EPSG code of the result's CRS, when it has one. */
  crs: number | null;
  /** WGS84 bounding box [minx, miny, maxx, maxy] of the raster footprint. */
  extent: [number, number, number, number] | null;
  /** Codec of the result, as GDAL names it. */
  compression: string;
}

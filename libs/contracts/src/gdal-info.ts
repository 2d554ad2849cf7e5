/** The GDAL a worker runs, as its self-test reports it. */
export interface GdalInfo {
  version: string;
  /** False when linked against the system GDAL, as deployments must be. */
  bundled: boolean;
  drivers: number;
}

export interface GdalSelfTest extends GdalInfo {
  /** True when the pixels read back from an in-memory raster are the ones written. */
  roundTripOk: boolean;
}

import gdal from 'gdal-async';

/**
 * Sets GDAL configuration options (`AWS_S3_ENDPOINT`, `GDAL_HTTP_HEADERS`, `GDAL_HTTP_PROXY`…). GDAL's
 * configuration is process-wide: only a process that runs a single task (the worker's GDAL child) may
 * call this, before the task opens anything, so that one job's settings never reach another's.
 */
export function applyGdalConfig(settings: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(settings)) gdal.config.set(name, value);
}

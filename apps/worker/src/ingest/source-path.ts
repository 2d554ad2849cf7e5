import type { JobSource } from '@app/jobs';
import type { Storage } from '@app/storage';

/**
 * The path GDAL opens for a job's source, or null when the source is not one GDAL reads from our
 * storage. Stored archives are read in place through /vsizip/.
 */
export function gdalPathOf(source: JobSource, storage: Storage): string | null {
  if (source.type !== 'stored-file' || source.key === null) return null;
  const path = storage.gdalPath(source.key);
  return source.key.toLowerCase().endsWith('.zip') ? `/vsizip/${path}` : path;
}

import type { AppConfig, StorageConfig } from '@app/config';
import type { TaskContext } from './gdal-task.protocol.js';

/**
 * GDAL options that point /vsis3/ at the configured S3 store, so `storage.gdalPath(key)` opens directly.
 * Local storage needs none (gdalPath is a file path).
 */
export function storageGdalConfig(storage: StorageConfig): Record<string, string> {
  if (!('bucket' in storage)) return {};
  const settings: Record<string, string> = {
    AWS_REGION: storage.region,
    AWS_VIRTUAL_HOSTING: storage.forcePathStyle ? 'FALSE' : 'TRUE',
    // COG/GTiff writers need random access, which /vsis3/ only offers through a local temporary file.
    CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE: 'YES',
    // Otherwise every open lists the object's "directory" looking for sidecar files.
    GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
  };
  if (storage.endpoint) {
    const url = new URL(storage.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('S3_ENDPOINT must be an http(s) URL');
    // GDAL wants host[:port] and the scheme as a separate switch.
    settings.AWS_S3_ENDPOINT = url.host;
    settings.AWS_HTTPS = url.protocol === 'https:' ? 'YES' : 'NO';
  }
  if (storage.accessKeyId && storage.secretAccessKey) {
    settings.AWS_ACCESS_KEY_ID = storage.accessKeyId;
    settings.AWS_SECRET_ACCESS_KEY = storage.secretAccessKey;
  }
  return settings;
}

/**
 * The context every GDAL task gets from the worker's configuration (tasks may add GDAL options): the
 * storage settings, the child's block cache size (GDAL's default, 5 % of RAM, would let one child grow
 * to gigabytes on a large machine), the GeoJSON object cap, and the largest raster a task accepts.
 */
export function baseTaskContext(
  config: Pick<AppConfig, 'database' | 'storage'> & { worker: Pick<AppConfig['worker'], 'gdal'> },
): TaskContext {
  return {
    databaseUrl: config.database.url,
    gdalConfig: {
      GDAL_CACHEMAX: config.worker.gdal.cacheMax,
      // GDAL's GeoJSON reader builds a feature as a tree in memory: past this it refuses the file instead.
      OGR_GEOJSON_MAX_OBJ_SIZE: String(config.worker.gdal.geojsonMaxObjectMb),
      ...storageGdalConfig(config.storage),
    },
    rasterMaxPixels: config.worker.gdal.rasterMaxPixels,
  };
}

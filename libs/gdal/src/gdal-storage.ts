import gdal from 'gdal-async';
import type { AppConfig } from '@app/config';

/**
 * Points GDAL's /vsis3/ at the configured S3 store, so `storage.gdalPath(key)` opens directly. GDAL's
 * configuration is process-wide: call once at start-up, before any dataset is opened. Local storage
 * needs nothing (gdalPath is a file path).
 */
export function configureGdalForStorage(config: Pick<AppConfig, 'storage'>): void {
  const storage = config.storage;
  // Narrowed structurally (only S3 settings have a bucket): this module is also loaded by the ingest's
  // GDAL child process, which keeps its imports to GDAL and avoids the configuration machinery.
  if (!('bucket' in storage)) return;
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
  for (const [name, value] of Object.entries(settings)) gdal.config.set(name, value);
}

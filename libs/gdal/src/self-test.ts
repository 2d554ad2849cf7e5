import gdal from 'gdal-async';
import type { GdalInfo, GdalSelfTest } from '@app/contracts';

export function gdalInfo(): GdalInfo {
  return { version: gdal.version, bundled: gdal.bundled, drivers: gdal.drivers.count() };
}

/**
 * Writes a small raster through GDAL's in-memory driver and reads it back: proves the native binding
 * loads and its thread pool runs work. Returns the sum of the pixels read (expected: n·(n-1)/2·n).
 */
export async function roundTrip(size = 16): Promise<number> {
  const ds = await gdal.drivers.get('MEM').createAsync('', size, size, 1, gdal.GDT_Int32);
  try {
    const band = await ds.bands.getAsync(1);
    const data = new Int32Array(size * size).map((_, i) => i % size);
    await band.pixels.writeAsync(0, 0, size, size, data);
    const back = await band.pixels.readAsync(0, 0, size, size);
    let sum = 0;
    for (const v of back) sum += v;
    return sum;
  } finally {
    ds.close();
  }
}

/** Version and drivers, and whether a pixel round trip through GDAL gives back what was written. */
export async function selfTest(size = 16): Promise<GdalSelfTest> {
  const sum = await roundTrip(size);
  return { ...gdalInfo(), roundTripOk: sum === (size * (size - 1) * size) / 2 };
}

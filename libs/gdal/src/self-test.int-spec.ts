import { describe, expect, it } from 'vitest';
import { gdalInfo, roundTrip, selfTest } from './self-test.js';

describe('GDAL self-test (native GDAL)', () => {
  it('runs on the system GDAL, not the copy bundled with gdal-async, with its drivers loaded', () => {
    const info = gdalInfo();
    expect(info.bundled).toBe(false);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.drivers).toBeGreaterThan(10);
  });

  it('round-trips pixels through an in-memory raster', async () => {
    expect(await roundTrip(16)).toBe((16 * 15 * 16) / 2);
    expect(await roundTrip(3)).toBe((3 * 2 * 3) / 2);
    expect(await selfTest(8)).toEqual({ ...gdalInfo(), roundTripOk: true });
  });

  it('keeps the event loop running while GDAL works', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    try {
      // Large enough that the native reads and writes take several milliseconds on the thread pool;
      // a synchronous implementation would return without a single timer tick in between.
      const size = 1024;
      const sum = await roundTrip(size);
      expect(sum).toBe((size * (size - 1) * size) / 2);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});

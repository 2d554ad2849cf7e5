import { describe, expect, it } from 'vitest';
import { parseNodata, type GdalInfoJson } from './gdalinfo.js';
import {
  cogBlockCacheMiB,
  pointsBbox,
  cogComplianceIssues,
  cogTranslateArgs,
  defaultResampling,
  footprintPoints,
  nodataFits,
  requestedChanges,
} from './raster-cog.js';

const WKT = 'PROJCRS["WGS 84 / UTM zone 33N"]';

/** gdalinfo -json of a 1024×1024 COG as GDAL writes it; tests vary one thing at a time. */
function cog(overrides: Partial<GdalInfoJson> = {}, band: NonNullable<GdalInfoJson['bands']>[number] = {}) {
  return {
    driverShortName: 'GTiff',
    size: [1024, 1024] as [number, number],
    geoTransform: [390000, 10, 0, 5820000, 0, -10],
    coordinateSystem: { wkt: WKT },
    stac: { 'proj:epsg': 32633 },
    metadata: { IMAGE_STRUCTURE: { COMPRESSION: 'DEFLATE', LAYOUT: 'COG', PREDICTOR: '2' } },
    bands: [{ type: 'UInt16', block: [512, 512] as [number, number], noDataValue: 0, overviews: [{}], ...band }],
    ...overrides,
  } satisfies GdalInfoJson;
}

describe('cogComplianceIssues', () => {
  it('accepts a 512-block, DEFLATE, COG-layout GeoTIFF with overviews and a CRS', () => {
    expect(cogComplianceIssues(cog())).toEqual([]);
  });

  it('accepts any lossless codec, whatever a conversion would use', () => {
    for (const codec of ['ZSTD', 'LZW', 'LZMA'])
      expect(
        cogComplianceIssues(cog({ metadata: { IMAGE_STRUCTURE: { COMPRESSION: codec, LAYOUT: 'COG' } } })),
      ).toEqual([]);
  });

  it('flags uncompressed and lossy files', () => {
    expect(cogComplianceIssues(cog({ metadata: { IMAGE_STRUCTURE: { LAYOUT: 'COG' } } }))).toEqual(['not compressed']);
    expect(cogComplianceIssues(cog({ metadata: { IMAGE_STRUCTURE: { COMPRESSION: 'JPEG', LAYOUT: 'COG' } } }))).toEqual(
      ['compressed with JPEG, which is lossy or not a supported lossless codec'],
    );
  });

  it('flags tiles other than 512×512, in any band', () => {
    expect(cogComplianceIssues(cog({}, { block: [256, 256] }))).toEqual(['blocks are 256×256, not 512×512']);
    const info = cog();
    info.bands.push({ type: 'UInt16', block: [128, 128], noDataValue: 0, overviews: [{}] });
    expect(cogComplianceIssues(info)).toEqual(['blocks are 128×128, not 512×512']);
  });

  it('reports strips once, not also as a wrong block size', () => {
    const issues = cogComplianceIssues(
      cog({ metadata: { IMAGE_STRUCTURE: { COMPRESSION: 'NONE' } } }, { block: [1024, 2], overviews: [] }),
    );
    expect(issues).toEqual([
      'not tiled (stored in strips)',
      'no overviews',
      'not in COG layout (headers and tiles not ordered for range reads)',
      'not compressed',
    ]);
  });

  it('needs overviews only above one block', () => {
    expect(cogComplianceIssues(cog({}, { overviews: [] }))).toEqual(['no overviews']);
    expect(cogComplianceIssues(cog({ size: [512, 300] }, { overviews: [] }))).toEqual([]);
  });

  it('flags a missing CRS, and anything that is not a GeoTIFF', () => {
    expect(cogComplianceIssues(cog({ coordinateSystem: { wkt: '' } }))).toEqual(['no CRS']);
    expect(cogComplianceIssues(cog({ driverShortName: 'PNG', coordinateSystem: undefined }))).toEqual([
      'not a GeoTIFF',
      'no CRS',
    ]);
  });
});

describe('requestedChanges', () => {
  it('is empty when overrides are absent or match the source', () => {
    expect(requestedChanges(cog(), 32633, {})).toEqual([]);
    expect(requestedChanges(cog(), 32633, { sridOverride: null, nodataOverride: null })).toEqual([]);
    expect(requestedChanges(cog(), 32633, { sridOverride: 32633, nodataOverride: 0 })).toEqual([]);
  });

  it('lists a relabelled CRS and a changed nodata value', () => {
    expect(requestedChanges(cog(), 32633, { sridOverride: 25833, nodataOverride: 65535 })).toEqual([
      'CRS set to EPSG:25833 by override',
      'nodata set to 65535 by override',
    ]);
    expect(requestedChanges(cog(), null, { sridOverride: 32633 })).toEqual(['CRS set to EPSG:32633 by override']);
  });

  it('treats NaN nodata as equal to NaN', () => {
    const info = cog({}, { type: 'Float32', noDataValue: 'nan' });
    expect(requestedChanges(info, 32633, { nodataOverride: NaN })).toEqual([]);
    expect(requestedChanges(info, 32633, { nodataOverride: -9999 })).toEqual(['nodata set to -9999 by override']);
  });
});

describe('defaultResampling', () => {
  it('averages floating-point data', () => {
    expect(defaultResampling([{ type: 'Float32' }])).toBe('average');
    expect(defaultResampling([{ type: 'Float64', colorInterpretation: 'Gray' }])).toBe('average');
  });

  it('averages integer RGB imagery', () => {
    const rgb = ['Red', 'Green', 'Blue', 'Alpha'].map((c) => ({ type: 'Byte', colorInterpretation: c }));
    expect(defaultResampling(rgb)).toBe('average');
  });

  it('keeps classes intact: nearest for palettes and for other integer rasters', () => {
    expect(defaultResampling([{ type: 'Byte', colorInterpretation: 'Palette', colorTable: {} }])).toBe('nearest');
    expect(defaultResampling([{ type: 'Float32', colorInterpretation: 'Palette' }])).toBe('nearest');
    expect(defaultResampling([{ type: 'UInt16', colorInterpretation: 'Gray' }])).toBe('nearest');
    expect(defaultResampling([{ type: 'Byte' }])).toBe('nearest');
    expect(defaultResampling(undefined)).toBe('nearest');
  });
});

describe('cogTranslateArgs', () => {
  it('asks the COG driver for 512 blocks, the codec with a predictor, overviews and all CPUs', () => {
    expect(cogTranslateArgs({ compression: 'ZSTD', resampling: 'average', overviews: 'AUTO' })).toEqual([
      '-of',
      'COG',
      '-co',
      'BLOCKSIZE=512',
      '-co',
      'COMPRESS=ZSTD',
      '-co',
      'PREDICTOR=YES',
      '-co',
      'OVERVIEWS=AUTO',
      '-co',
      'RESAMPLING=AVERAGE',
      '-co',
      'NUM_THREADS=ALL_CPUS',
      '-co',
      'BIGTIFF=IF_SAFER',
    ]);
  });

  it('adds -a_nodata and -a_srs only for overrides', () => {
    const args = cogTranslateArgs({
      compression: 'DEFLATE',
      resampling: 'nearest',
      overviews: 'IGNORE_EXISTING',
      nodataOverride: -9999,
      sridOverride: 25833,
    });
    expect(args.slice(-4)).toEqual(['-a_nodata', '-9999', '-a_srs', 'EPSG:25833']);
    expect(args).toContain('OVERVIEWS=IGNORE_EXISTING');
    const plain = cogTranslateArgs({
      compression: 'DEFLATE',
      resampling: 'nearest',
      overviews: 'AUTO',
      nodataOverride: null,
      sridOverride: null,
    });
    expect(plain).not.toContain('-a_nodata');
    expect(plain).not.toContain('-a_srs');
  });
});

describe('nodata values', () => {
  it('parses what gdalinfo prints, including NaN and infinities', () => {
    expect(parseNodata(undefined)).toBeNull();
    expect(parseNodata(0)).toBe(0);
    expect(parseNodata('-9999')).toBe(-9999);
    expect(parseNodata('nan')).toBeNaN();
    expect(parseNodata('NaN')).toBeNaN();
    expect(parseNodata('-inf')).toBe(-Infinity);
    expect(parseNodata('Infinity')).toBe(Infinity);
  });

  it('checks that an override fits the band type', () => {
    expect(nodataFits('UInt16', 0)).toBe(true);
    expect(nodataFits('UInt16', 65535)).toBe(true);
    expect(nodataFits('UInt16', -1)).toBe(false);
    expect(nodataFits('Byte', 256)).toBe(false);
    expect(nodataFits('Int16', 1.5)).toBe(false);
    expect(nodataFits('Int16', NaN)).toBe(false);
    expect(nodataFits('Float32', NaN)).toBe(true);
    expect(nodataFits('Float64', -1e30)).toBe(true);
  });
});

describe('footprint', () => {
  it('walks the edges of a north-up raster, corners included', () => {
    const points = footprintPoints([100, 10, 0, 500, 0, -10], 30, 20, 2);
    expect(points).toHaveLength(8);
    expect(points).toEqual(
      expect.arrayContaining([
        [100, 500],
        [400, 500],
        [400, 300],
        [100, 300],
        [250, 500],
        [400, 400],
      ]),
    );
    expect(pointsBbox(points)).toEqual([100, 300, 400, 500]);
  });

  it('follows a rotated geotransform', () => {
    // Rotated 90°: columns run south, rows run west.
    expect(pointsBbox(footprintPoints([0, 0, -1, 0, -1, 0], 10, 5))).toEqual([-5, -10, 0, 0]);
  });

  it('ignores points that failed to transform', () => {
    expect(
      pointsBbox([
        [1, 2],
        [Number.NaN, 5],
        [3, 4],
      ]),
    ).toEqual([1, 2, 3, 4]);
    expect(pointsBbox([])).toBeNull();
  });
});

describe('cogBlockCacheMiB', () => {
  const raster = (width: number, bands: { type: string; block: [number, number] }[]): GdalInfoJson => ({
    size: [width, width],
    bands,
  });

  it('keeps the configured cache when two rows of 512-pixel tiles of the source fit in it', () => {
    // 2 × 512 rows × 8000 px × 2 bytes = 15.6 MiB.
    expect(cogBlockCacheMiB(raster(8000, [{ type: 'UInt16', block: [8000, 1] }]), 16, 1200)).toBe(16);
    expect(cogBlockCacheMiB(raster(8000, [{ type: 'UInt16', block: [8000, 1] }]), 32, 1200)).toBe(32);
  });

  it('grows with the width, the bands and their sample size', () => {
    const rgba = ['Byte', 'Byte', 'Byte', 'Byte'].map((type) => ({ type, block: [20000, 1] as [number, number] }));
    expect(cogBlockCacheMiB(raster(20000, rgba), 16, 1200)).toBe(79);
    expect(cogBlockCacheMiB(raster(20000, [{ type: 'Float64', block: [256, 256] }]), 16, 1200)).toBe(157);
  });

  it('covers source blocks taller than a tile row, and stops at the ceiling', () => {
    expect(cogBlockCacheMiB(raster(4096, [{ type: 'Float32', block: [4096, 2048] }]), 16, 1200)).toBe(64);
    expect(cogBlockCacheMiB(raster(200000, [{ type: 'Float64', block: [200000, 1] }]), 16, 1200)).toBe(1200);
    expect(cogBlockCacheMiB(raster(200000, [{ type: 'Float64', block: [200000, 1] }]), 16, 8)).toBe(16);
  });
});

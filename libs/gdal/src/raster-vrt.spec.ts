import { describe, expect, it } from 'vitest';
import { buildVrtArgs, rewriteSources } from './raster-vrt.js';
import { RasterIngestError } from './raster-cog.js';

const sources = [
  { id: 'a', gdalPath: '/srv/store/datasets/a/a.tif', href: '../../a/a.tif' },
  { id: 'b', gdalPath: '/srv/store/datasets/b/b&c.tif', href: '../../b/b&c.tif' },
];

describe('rewriteSources', () => {
  it('replaces each source path GDAL wrote with its path relative to the VRT', () => {
    const xml =
      '<SourceFilename relativeToVRT="0">/srv/store/datasets/a/a.tif</SourceFilename>' +
      '<SourceFilename relativeToVRT="0">/srv/store/datasets/b/b&amp;c.tif</SourceFilename>';
    expect(rewriteSources(xml, sources, '/tmp')).toBe(
      '<SourceFilename relativeToVRT="1">../../a/a.tif</SourceFilename>' +
        '<SourceFilename relativeToVRT="1">../../b/b&amp;c.tif</SourceFilename>',
    );
  });

  it('refuses a VRT from which GDAL left a source out, instead of publishing a gap', () => {
    const xml = '<SourceFilename relativeToVRT="0">/srv/store/datasets/a/a.tif</SourceFilename>';
    expect(() => rewriteSources(xml, sources, '/tmp')).toThrow(RasterIngestError);
  });

  it('reads a path GDAL wrote relative to the VRT (sources below its directory) as the source it is', () => {
    const xml =
      '<SourceFilename relativeToVRT="1">datasets/a/a.tif</SourceFilename>' +
      '<SourceFilename relativeToVRT="1">datasets/b/b&amp;c.tif</SourceFilename>';
    expect(rewriteSources(xml, sources, '/srv/store')).toBe(
      '<SourceFilename relativeToVRT="1">../../a/a.tif</SourceFilename>' +
        '<SourceFilename relativeToVRT="1">../../b/b&amp;c.tif</SourceFilename>',
    );
  });
});

describe('buildVrtArgs', () => {
  it('maps the resolution strategy and stacks bands for band stacks', () => {
    expect(buildVrtArgs('mosaic', 'finest')).toEqual(['-resolution', 'highest']);
    expect(buildVrtArgs('mosaic', 'coarsest')).toEqual(['-resolution', 'lowest']);
    expect(buildVrtArgs('band_stack', 'average')).toEqual(['-resolution', 'average', '-separate']);
  });
});

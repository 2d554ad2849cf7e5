import { describe, expect, it } from 'vitest';
import { relativeKey, resolveRelativeKey, resolveVrtSources, vrtSourceHrefs } from './vrt.js';

const VRT = 'datasets/v1/generations/3.vrt';

describe('VRT source paths', () => {
  it('names a source relative to the VRT, and resolves it back to the same key', () => {
    const key = 'datasets/s1/tile.tif';
    expect(relativeKey(VRT, key)).toBe('../../s1/tile.tif');
    expect(resolveRelativeKey(VRT, '../../s1/tile.tif')).toBe(key);
    expect(relativeKey(VRT, 'datasets/v1/generations/x.tif')).toBe('x.tif');
    expect(relativeKey(VRT, 'other/a.tif')).toBe('../../../other/a.tif');
    expect(resolveRelativeKey(VRT, '../../../../escape.tif')).toBeNull();
  });

  it('turns relative sources into paths of the configured store, leaving absolute ones alone', () => {
    const xml = [
      '<VRTDataset><VRTRasterBand>',
      '<SimpleSource><SourceFilename relativeToVRT="1">../../s1/a.tif</SourceFilename></SimpleSource>',
      '<SimpleSource><SourceFilename relativeToVRT="0">/data/b.tif</SourceFilename></SimpleSource>',
      '</VRTRasterBand></VRTDataset>',
    ].join('');
    const resolved = resolveVrtSources(xml, VRT, (key) => `/vsis3/renamed-bucket/${key}`);
    expect(vrtSourceHrefs(resolved)).toEqual(['/vsis3/renamed-bucket/datasets/s1/a.tif', '/data/b.tif']);
    expect(resolved).toContain('<SourceFilename relativeToVRT="0">/vsis3/renamed-bucket/datasets/s1/a.tif<');
  });
});

import type { RasterInfo } from './cog.js';
/** How a VRT combines its sources: side by side (mosaic) or one band per source (band stack). */
export const VRT_TYPES = ['mosaic', 'band_stack'] as const;
export type VrtType = (typeof VRT_TYPES)[number];

/** Which resolution a mosaic of sources with different pixel sizes gets. */
export const VRT_RESOLUTIONS = ['finest', 'coarsest', 'average'] as const;
export type VrtResolution = (typeof VRT_RESOLUTIONS)[number];

/** One source of a VRT build: where GDAL opens it, and how the stored VRT refers to it. */
export interface VrtBuildSource {
  /** The source dataset. */
  id: string;
  /** A path GDAL opens now (`/vsis3/…` or a local file). */
  gdalPath: string;
  /** The path written into the VRT: relative to the VRT's own key. */
  href: string;
}

/** What building a VRT found out (the raster metadata of the mosaic) plus the document itself. */
export interface VrtBuildResult {
  xml: string;
  raster: RasterInfo;
  crs: number | null;
  extent: [number, number, number, number] | null;
  /** Where the GDAL step's time went, ms: opening every source, and `buildVRTAsync` itself. */
  timings: { open_ms: number; build_ms: number };
}

/** `to` relative to the directory holding `fromKey` (both `/`-separated storage keys). */
export function relativeKey(fromKey: string, to: string): string {
  const from = fromKey.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < from.length && common < target.length - 1 && from[common] === target[common]) common += 1;
  return [...from.slice(common).map(() => '..'), ...target.slice(common)].join('/');
}

/** The storage key a path relative to the VRT at `vrtKey` names; null when it leaves the store. */
export function resolveRelativeKey(vrtKey: string, href: string): string | null {
  const parts = vrtKey.split('/').slice(0, -1);
  for (const segment of href.split('/')) {
    if (segment === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

const SOURCE_FILENAME = /<SourceFilename([^>]*)>([^<]*)<\/SourceFilename>/g;

/**
 * A stored VRT made openable where GDAL cannot resolve `..` itself (`/vsis3/` keeps it literally): every
 * source path relative to the VRT becomes the path the configured store gives its key. Used by readers
 * that open a VRT through the store; the stored document itself stays portable.
 */
export function resolveVrtSources(xml: string, vrtKey: string, gdalPathOf: (key: string) => string): string {
  return xml.replace(SOURCE_FILENAME, (whole, attributes: string, href: string) => {
    if (!/relativeToVRT="1"/.test(attributes)) return whole;
    const key = resolveRelativeKey(vrtKey, href);
    if (key === null) return whole;
    return `<SourceFilename relativeToVRT="0">${gdalPathOf(key)}</SourceFilename>`;
  });
}

/** The source paths a VRT document names, in order of appearance. */
export function vrtSourceHrefs(xml: string): string[] {
  return [...xml.matchAll(SOURCE_FILENAME)].map((m) => m[2] ?? '');
}

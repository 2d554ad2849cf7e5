import { readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import gdal from 'gdal-async';
import type { VrtBuildResult, VrtBuildSource, VrtResolution, VrtType } from '@app/contracts';
import { rasterHasCrs, summarize, RasterIngestError } from './raster-cog.js';
import type { GdalInfoJson } from './gdalinfo.js';
import { isRemoteFailure } from './remote-errors.js';

export interface VrtRequest {
  type: VrtType;
  resolution: VrtResolution;
  /** In mosaic order (band order for a band stack). Compatibility was checked before: GDAL drops what does not fit. */
  sources: VrtBuildSource[];
  /** Local scratch file the VRT is built at (removed afterwards); the result carries the document. */
  scratchPath: string;
}

const RESOLUTION_ARG: Record<VrtResolution, string> = { finest: 'highest', coarsest: 'lowest', average: 'average' };

/** `gdalbuildvrt` arguments for a request (the benchmark runs the CLI with the same ones). */
export function buildVrtArgs(type: VrtType, resolution: VrtResolution): string[] {
  return ['-resolution', RESOLUTION_ARG[resolution], ...(type === 'band_stack' ? ['-separate'] : [])];
}

/**
 * Builds a VRT over `sources` with `buildVRTAsync`, and returns its document with every source path
 * replaced by the source's `href` (relative to the VRT's own key, so the document works from any
 * machine and survives a bucket rename) and the mosaic's raster metadata. Every source is opened first:
 * GDAL would silently skip one it cannot open.
 */
export async function buildVrt(req: VrtRequest): Promise<VrtBuildResult> {
  const opened: gdal.Dataset[] = [];
  const started = performance.now();
  try {
    const results = await Promise.allSettled(req.sources.map((s) => gdal.openAsync(s.gdalPath, 'r')));
    results.forEach((r) => {
      if (r.status === 'fulfilled') opened.push(r.value);
    });
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const reason = (results[failed] as PromiseRejectedResult).reason as unknown;
      if (isRemoteFailure(reason)) throw reason;
      throw new RasterIngestError(
        'unreadable',
        `Source dataset ${req.sources[failed]?.id ?? '?'} could not be read from storage; it may have been removed.`,
      );
    }
    const openMs = performance.now() - started;
    const built = await gdal.buildVRTAsync(
      req.scratchPath,
      req.sources.map((s) => s.gdalPath),
      buildVrtArgs(req.type, req.resolution),
    );
    const buildMs = performance.now() - started - openMs;
    let info: GdalInfoJson;
    let srs: gdal.SpatialReference | null;
    try {
      await built.flushAsync();
      info = JSON.parse(await gdal.infoAsync(built, ['-json'])) as GdalInfoJson;
      srs = rasterHasCrs(info) ? await built.srsAsync : null;
    } finally {
      built.close();
    }
    const xml = rewriteSources(await readFile(req.scratchPath, 'utf8'), req.sources, dirname(req.scratchPath));
    const { raster, crs, extent } = summarize(info, srs);
    return { xml, raster, crs, extent, timings: { open_ms: Math.round(openMs), build_ms: Math.round(buildMs) } };
  } finally {
    for (const ds of opened) ds.close();
    await rm(req.scratchPath, { force: true });
  }
}

/**
 * Replaces each source's GDAL path with its href; a source GDAL left out is an error, never a silent gap.
 * GDAL writes a source below the VRT's own directory (`vrtDir`) relative to it.
 */
export function rewriteSources(xml: string, sources: readonly VrtBuildSource[], vrtDir: string): string {
  const byPath = new Map(sources.map((s) => [s.gdalPath, s]));
  const used = new Set<string>();
  const out = xml.replace(
    /<SourceFilename([^>]*)>([^<]*)<\/SourceFilename>/g,
    (whole, attributes: string, written: string) => {
      const path = unescapeXml(written);
      const relative = /relativeToVRT="1"/.test(attributes);
      const source = byPath.get(relative ? resolve(vrtDir, path) : path);
      if (!source) return whole;
      used.add(source.id);
      return `<SourceFilename relativeToVRT="1">${escapeXml(source.href)}</SourceFilename>`;
    },
  );
  const dropped = sources.filter((s) => !used.has(s.id));
  if (dropped.length > 0) {
    throw new RasterIngestError(
      'unreadable',
      `GDAL left source dataset(s) ${dropped.map((s) => s.id).join(', ')} out of the VRT; they do not fit the mosaic.`,
    );
  }
  return out;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

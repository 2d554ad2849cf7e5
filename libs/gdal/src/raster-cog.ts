import { totalmem } from 'node:os';
import { rm, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import gdal from 'gdal-async';
import {
  COG_COMPRESSIONS,
  COG_RESAMPLINGS,
  type CogCompressionName as CogCompression,
  type CogResamplingName as CogResampling,
  type CogResult,
} from '@app/contracts';
import { cogIssues, parseNodata, rasterInspection, type GdalInfoJson } from './gdalinfo.js';
import { progressReporter } from './progress.js';
import { rasterTooLarge } from './inspection.js';
import { isRemoteFailure } from './remote-errors.js';
import { epsgOf } from './srs.js';

export type { CogCompression, CogResampling, CogResult };

export const COG_BLOCK_SIZE = 512;

/** Codecs that keep every pixel value; a source compressed with one of these can be stored as is. */
const LOSSLESS_CODECS = new Set(['DEFLATE', 'ZSTD', 'LZW', 'LZMA']);

export interface CogRequest {
  /** Any GDAL-readable path (local file, /vsizip/…, /vsis3/…). */
  sourcePath: string;
  /** RASTER_MAX_PIXELS: a larger source (width × height) is refused before a pixel is read. */
  maxPixels?: number;
  /** Local file to write the COG to; its directory exists. Not touched when the source is kept. */
  outputPath: string;
  /** Codec of a conversion (default DEFLATE). A compliant source with another lossless codec is kept. */
  compression?: CogCompression;
  /** Overview resampling; default from `defaultResampling`. Given explicitly, existing overviews are rebuilt. */
  resampling?: CogResampling;
  /** Sets the nodata value (`-a_nodata`); null or absent keeps the source's. */
  nodataOverride?: number | null;
  /** True: a source that cannot be stored as is is refused ('not-cog'), never converted. */
  strictCog?: boolean;
  /** Relabels the CRS as EPSG:n (`-a_srs`, no warp); null or absent keeps the source's. */
  sridOverride?: number | null;
  /** 0..1, non-decreasing, called while GDAL runs and once with 1 at the end. */
  onProgress?: (fraction: number) => void;
}

export type RasterIngestErrorCode =
  'unreadable' | 'not-raster' | 'not-georeferenced' | 'missing-crs' | 'not-cog' | 'invalid-option' | 'raster-too-large';

/** A raster that cannot be ingested, or a request that cannot be met; `message` is safe to show users. */
export class RasterIngestError extends Error {
  constructor(
    readonly code: RasterIngestErrorCode,
    userMessage: string,
  ) {
    super(userMessage);
    this.name = 'RasterIngestError';
  }
}

const isFloatType = (dtype: string | undefined): boolean => /Float/i.test(dtype ?? '');

/**
 * Overview resampling when the caller names none. Averaging invents values, which is right for measurements
 * and wrong for class codes:
 * - palette bands (a colour table means the values are classes) → nearest;
 * - floating-point bands → average;
 * - integer RGB(A) imagery → average;
 * - any other integer raster → nearest: it may hold class codes (land cover, masks), and nearest never
 *   produces a value the data does not contain.
 */
export function defaultResampling(bands: GdalInfoJson['bands']): CogResampling {
  const list = bands ?? [];
  if (list.some((b) => b.colorInterpretation === 'Palette' || b.colorTable !== undefined)) return 'nearest';
  if (isFloatType(list[0]?.type)) return 'average';
  const colours = new Set(list.map((b) => b.colorInterpretation));
  if (colours.has('Red') && colours.has('Green') && colours.has('Blue')) return 'average';
  return 'nearest';
}

/**
 * What stops `info` from being stored as a COG as is: the checks of `cogIssues` (GeoTIFF, tiled, overviews
 * above one block, COG layout) plus 512×512 blocks in every band, a lossless codec and a CRS. Any lossless
 * codec passes, whatever the request asks for: rewriting would gain no fidelity, only cost time.
 */
export function cogComplianceIssues(info: GdalInfoJson): string[] {
  const issues = cogIssues(info);
  const isGeoTiff = info.driverShortName === 'GTiff';
  if (isGeoTiff && !issues.some((i) => i.startsWith('not tiled'))) {
    const odd = (info.bands ?? []).find((b) => b.block?.[0] !== COG_BLOCK_SIZE || b.block[1] !== COG_BLOCK_SIZE);
    if (odd) {
      const [bw, bh] = odd.block ?? [0, 0];
      issues.push(`blocks are ${bw}×${bh}, not ${COG_BLOCK_SIZE}×${COG_BLOCK_SIZE}`);
    }
  }
  if (isGeoTiff) {
    const codec = info.metadata?.IMAGE_STRUCTURE?.COMPRESSION?.toUpperCase();
    if (!codec || codec === 'NONE') issues.push('not compressed');
    else if (!LOSSLESS_CODECS.has(codec))
      issues.push(`compressed with ${codec}, which is lossy or not a supported lossless codec`);
  }
  if (!rasterHasCrs(info)) issues.push('no CRS');
  return issues;
}

export function rasterHasCrs(info: GdalInfoJson): boolean {
  return (info.coordinateSystem?.wkt ?? '').trim() !== '';
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  Byte: [0, 255],
  Int8: [-128, 127],
  UInt16: [0, 65535],
  Int16: [-32768, 32767],
  UInt32: [0, 4294967295],
  Int32: [-2147483648, 2147483647],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Whether `value` can be stored in a band of `dtype` (GDAL would otherwise clamp or round it silently). */
export function nodataFits(dtype: string, value: number): boolean {
  const range = INTEGER_RANGES[dtype];
  if (!range) return isFloatType(dtype) || !Number.isNaN(value);
  return Number.isInteger(value) && value >= range[0] && value <= range[1];
}

/** What a request changes about a source that would otherwise be kept (each forces a rewrite). */
export function requestedChanges(
  info: GdalInfoJson,
  sourceEpsg: number | null,
  req: Pick<CogRequest, 'nodataOverride' | 'sridOverride'>,
): string[] {
  const changes: string[] = [];
  if (req.sridOverride != null && req.sridOverride !== sourceEpsg)
    changes.push(`CRS set to EPSG:${req.sridOverride} by override`);
  if (req.nodataOverride != null && !Object.is(req.nodataOverride, parseNodata(info.bands?.[0]?.noDataValue)))
    changes.push(`nodata set to ${req.nodataOverride} by override`);
  return changes;
}

export interface CogArgsOptions {
  compression: CogCompression;
  resampling: CogResampling;
  /** IGNORE_EXISTING rebuilds overviews the source carries; AUTO reuses them or builds them when absent. */
  overviews: 'AUTO' | 'IGNORE_EXISTING';
  nodataOverride?: number | null;
  sridOverride?: number | null;
}

/**
 * `gdal_translate` arguments for the COG driver. PREDICTOR=YES lets the driver pick horizontal differencing
 * (2) for integers and the floating-point predictor (3) for floats; overviews inherit codec and predictor.
 */
export function cogTranslateArgs(o: CogArgsOptions): string[] {
  const args = ['-of', 'COG'];
  const co = (option: string): void => {
    args.push('-co', option);
  };
  co(`BLOCKSIZE=${COG_BLOCK_SIZE}`);
  co(`COMPRESS=${o.compression}`);
  co('PREDICTOR=YES');
  co(`OVERVIEWS=${o.overviews}`);
  co(`RESAMPLING=${o.resampling.toUpperCase()}`);
  co('NUM_THREADS=ALL_CPUS');
  // Compressed output can outgrow 4 GiB when the uncompressed size does not; IF_SAFER guesses generously.
  co('BIGTIFF=IF_SAFER');
  if (o.nodataOverride != null) args.push('-a_nodata', String(o.nodataOverride));
  if (o.sridOverride != null) args.push('-a_srs', `EPSG:${o.sridOverride}`);
  return args;
}

/**
 * Points along the raster's edges in its CRS (corners plus `perEdge - 1` points between them): a projected
 * footprint's edges curve in WGS84, so corners alone can understate the box.
 */
export function footprintPoints(gt: readonly number[], width: number, height: number, perEdge = 8): [number, number][] {
  const [ox = 0, px = 1, rx = 0, oy = 0, ry = 0, py = 1] = gt;
  const at = (col: number, row: number): [number, number] => [ox + col * px + row * rx, oy + col * ry + row * py];
  const points: [number, number][] = [];
  for (let i = 0; i < perEdge; i += 1) {
    const t = i / perEdge;
    points.push(at(t * width, 0), at(width, t * height), at(width - t * width, height), at(0, height - t * height));
  }
  return points;
}

export function pointsBbox(points: readonly [number, number][]): [number, number, number, number] | null {
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (finite.length === 0) return null;
  const xs = finite.map((p) => p[0]);
  const ys = finite.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

const UNREADABLE = 'The file could not be read as a raster; it may be damaged or truncated.';

/**
 * Turns a GDAL-readable raster into a Cloud-Optimized GeoTIFF at `req.outputPath`, or keeps it when it
 * already is one (then `converted` is false and nothing is written). Plain async function: the worker runs
 * it in a child process it can kill, since a running GDAL call cannot be aborted.
 */
export async function produceCog(req: CogRequest): Promise<CogResult> {
  const compression = req.compression ?? 'DEFLATE';
  validateRequest(req, compression);
  const report = progressReporter(req.onProgress);

  let src: gdal.Dataset;
  try {
    src = await gdal.openAsync(req.sourcePath, 'r');
  } catch (error) {
    if (isRemoteFailure(error)) throw error;
    throw new RasterIngestError('unreadable', UNREADABLE);
  }
  let info: GdalInfoJson;
  let sourceSrs: gdal.SpatialReference | null;
  try {
    const bandCount = await src.bands.countAsync();
    if (bandCount === 0) {
      throw new RasterIngestError('not-raster', 'The file holds no raster bands; upload it as a vector dataset.');
    }
    const size = await src.rasterSizeAsync;
    if (req.maxPixels && size.x * size.y > req.maxPixels) {
      throw new RasterIngestError('raster-too-large', rasterTooLarge(size.x, size.y, req.maxPixels));
    }
    info = JSON.parse(await gdal.infoAsync(src, ['-json'])) as GdalInfoJson;
    sourceSrs = rasterHasCrs(info) ? await src.srsAsync : null;
  } catch (error) {
    src.close();
    if (error instanceof RasterIngestError || isRemoteFailure(error)) throw error;
    throw new RasterIngestError('unreadable', UNREADABLE);
  }

  try {
    const source = summarize(info, sourceSrs);
    if (!info.geoTransform) {
      throw new RasterIngestError(
        'not-georeferenced',
        'The raster has no geotransform (it may be georeferenced by control points only); warp it to a map projection first.',
      );
    }
    if (!rasterHasCrs(info) && req.sridOverride == null) {
      throw new RasterIngestError(
        'missing-crs',
        'The raster has no coordinate reference system. Provide one as an EPSG code (srid override).',
      );
    }
    const nodata = req.nodataOverride;
    if (nodata != null && !nodataFits(source.raster.dtype, nodata)) {
      throw new RasterIngestError(
        'invalid-option',
        `The nodata value ${nodata} cannot be stored in a ${source.raster.dtype} raster.`,
      );
    }

    const changes = requestedChanges(info, source.crs, req);
    const issues = [...cogComplianceIssues(info), ...changes];
    if (issues.length === 0) {
      report(1);
      return { converted: false, issues, ...source };
    }
    if (req.strictCog) {
      throw new RasterIngestError(
        'not-cog',
        `The raster cannot be stored as a Cloud-Optimized GeoTIFF as is, and strict COG mode forbids converting it: ${issues.join('; ')}.`,
      );
    }

    const nodataChanged = changes.some((c) => c.startsWith('nodata'));
    const args = cogTranslateArgs({
      compression,
      resampling: req.resampling ?? defaultResampling(info.bands),
      // Overviews the source carries were averaged around the old nodata, or with a method not asked for.
      overviews: nodataChanged || req.resampling ? 'IGNORE_EXISTING' : 'AUTO',
      nodataOverride: req.nodataOverride,
      sridOverride: req.sridOverride,
    });
    // Before the first pixel is read, the only moment GDAL takes a new cache size into account.
    raiseBlockCacheFor(info);
    const result = await convert(src, req.outputPath, args, report, uncompressedBytes(info));
    report(1);
    return { converted: true, issues, ...result };
  } finally {
    src.close();
  }
}

const MiB = 1024 * 1024;
const BYTES_PER_SAMPLE: Record<string, number> = {
  Byte: 1,
  Int8: 1,
  UInt16: 2,
  Int16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  CInt16: 4,
  CInt32: 8,
  CFloat32: 8,
  CFloat64: 16,
};

/**
 * The block cache (MiB) a COG conversion of `info` needs so that no source block is decoded twice: the
 * output is written one row of 512-pixel tiles at a time, so the source blocks under two such rows (the
 * one being written and the next, being read ahead) must fit — for a striped 20000-pixel-wide RGBA
 * source that is 80 MiB, for an 8000-pixel-wide single UInt16 band 16 MiB. Never below `floorMiB` (the
 * configured GDAL_CACHEMAX) nor above `ceilingMiB`.
 */
export function cogBlockCacheMiB(info: GdalInfoJson, floorMiB: number, ceilingMiB: number): number {
  const width = info.size?.[0] ?? 0;
  const bands = info.bands ?? [];
  const rows = Math.max(COG_BLOCK_SIZE, ...bands.map((b) => b.block?.[1] ?? 0));
  const bytesPerRow = bands.reduce((sum, band) => sum + width * (BYTES_PER_SAMPLE[band.type ?? ''] ?? 8), 0);
  const needed = Math.ceil((2 * rows * bytesPerRow) / MiB);
  return Math.min(Math.max(floorMiB, needed), Math.max(floorMiB, ceilingMiB));
}

/**
 * Raises GDAL's block cache for this conversion when the source needs more than the configured
 * `GDAL_CACHEMAX` (in MiB; a percentage is GDAL's own sizing and is left alone), up to what GDAL's default
 * (5 % of RAM) would allow. A small configured cache keeps a child's memory low for ordinary rasters
 * without re-decoding the blocks of wide ones.
 */
function raiseBlockCacheFor(info: GdalInfoJson): void {
  const configured = gdal.config.get('GDAL_CACHEMAX');
  if (configured === null || !/^\d+$/.test(configured)) return;
  // Capped below 100000: GDAL reads larger values as bytes.
  const wanted = cogBlockCacheMiB(info, Number(configured), Math.min(99_999, Math.floor((totalmem() * 0.05) / MiB)));
  if (wanted > Number(configured)) gdal.config.set('GDAL_CACHEMAX', String(wanted));
}

function validateRequest(req: CogRequest, compression: string): void {
  if (!COG_COMPRESSIONS.includes(compression as CogCompression))
    throw new RasterIngestError('invalid-option', `Unsupported compression '${compression}'.`);
  if (req.resampling !== undefined && !COG_RESAMPLINGS.includes(req.resampling))
    throw new RasterIngestError('invalid-option', `Unsupported resampling '${req.resampling}'.`);
  const srid = req.sridOverride;
  if (srid != null) {
    let known = Number.isInteger(srid) && srid > 0;
    if (known) {
      try {
        gdal.SpatialReference.fromEPSG(srid);
      } catch {
        known = false;
      }
    }
    if (!known)
      throw new RasterIngestError('invalid-option', `EPSG:${srid} is not a known coordinate reference system.`);
  }
}

/** The raster's pixels uncompressed, in bytes: what its COG can take at most, before overviews. */
export function uncompressedBytes(info: GdalInfoJson): number {
  const [width, height] = info.size ?? [0, 0];
  return (info.bands ?? []).reduce((sum, band) => sum + width * height * (BYTES_PER_SAMPLE[band.type ?? ''] ?? 8), 0);
}

/**
 * Whether a failed conversion to `outputPath` ran out of disk. GDAL reports the ENOSPC first and then
 * what it caused in libtiff ("TIFFAppendToStrip:Seek error at scanline 0", "TIFFRewriteDirectory:Error
 * fetching directory count", …), only the last reaches us, and by then the partial output is gone. So:
 * the disk has less free space than the raster's pixels uncompressed, which its COG may need (a COG of
 * noise hardly compresses).
 */
async function outOfSpace(outputPath: string, needed: number): Promise<boolean> {
  try {
    const fs = await statfs(dirname(outputPath));
    return fs.bavail * fs.bsize < needed;
  } catch {
    return false;
  }
}

async function convert(
  src: gdal.Dataset,
  outputPath: string,
  args: string[],
  report: (fraction: number) => void,
  pixelBytes: number,
): Promise<Omit<CogResult, 'converted' | 'issues'>> {
  let out: gdal.Dataset | undefined;
  try {
    try {
      const written = await gdal.translateAsync(outputPath, src, args, { progress_cb: (complete) => report(complete) });
      written.close();
    } catch (error) {
      if (isRemoteFailure(error)) throw error;
      // "No space left on device" is what the worker classifies as disk-full (retried, user-safe message).
      if (await outOfSpace(outputPath, pixelBytes)) {
        throw new Error('Writing the COG failed: no space left on device', { cause: error });
      }
      if (isWriteFailure(error)) throw new Error('Writing the COG failed', { cause: error });
      throw new RasterIngestError('unreadable', UNREADABLE);
    }
    // Reopened: the handle the driver returns does not show the layout it wrote (LAYOUT=COG is read back
    // from the file's header).
    out = await gdal.openAsync(outputPath, 'r');
    const info = JSON.parse(await gdal.infoAsync(out, ['-json'])) as GdalInfoJson;
    const srs = rasterHasCrs(info) ? await out.srsAsync : null;
    const problems = cogComplianceIssues(info);
    // Our own output failing our own rules is a bug, not the user's file.
    if (problems.length > 0) throw new Error(`GDAL's COG output is not compliant: ${problems.join('; ')}`);
    return summarize(info, srs);
  } catch (error) {
    out?.close();
    out = undefined;
    await rm(outputPath, { force: true });
    throw error;
  } finally {
    out?.close();
  }
}

/** Out of disk or a failed write is the machine's problem, worth a retry, not a verdict on the file. */
function isWriteFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  // TIFFAppendToStrip/TIFFWrite*/_tiffWriteProc are libtiff's write side ("Seek error" included).
  return /no space left|free disk space|failed to write|write error|cannot create|permission denied|TIFFAppendToStrip|TIFFWrite|_tiffWriteProc/i.test(
    message,
  );
}

/** Raster metadata as a dataset records it, with its CRS and WGS84 footprint. */
export function summarize(
  info: GdalInfoJson,
  srs: gdal.SpatialReference | null,
): Omit<CogResult, 'converted' | 'issues'> {
  const crs = rasterEpsg(info, srs);
  const inspection = rasterInspection(info, crs);
  const [width, height] = info.size ?? [0, 0];
  return {
    raster: {
      width: inspection.width,
      height: inspection.height,
      band_count: inspection.band_count,
      dtype: inspection.dtype,
      nodata: inspection.nodata,
      res_x: inspection.res_x ?? 0,
      res_y: inspection.res_y ?? 0,
      ...(info.geoTransform ? { geo_transform: info.geoTransform } : {}),
    },
    crs,
    extent: info.geoTransform && srs ? wgs84Extent(srs, crs, footprintPoints(info.geoTransform, width, height)) : null,
    compression: inspection.compression ?? 'NONE',
  };
}

function rasterEpsg(info: GdalInfoJson, srs: gdal.SpatialReference | null): number | null {
  const stac = info.stac?.['proj:epsg'];
  return typeof stac === 'number' ? stac : epsgOf(srs);
}

// A PROJ-string CRS has east/north axes whatever the axis-mapping strategy, so results come out lon/lat.
const LONLAT = '+proj=longlat +datum=WGS84 +no_defs';
let authorityAxisOrder: boolean | undefined;

/**
 * gdal-async exposes no setAxisMappingStrategy, and its SpatialReference objects (also those of datasets)
 * follow the authority's axis order: EPSG:4326 wants lat/lon input although geotransforms are lon/lat.
 * Measured once rather than assumed, so a binding that switches to GIS order does not silently swap axes.
 */
function usesAuthorityAxisOrder(): boolean {
  if (authorityAxisOrder === undefined) {
    const probe = new gdal.CoordinateTransformation(
      gdal.SpatialReference.fromEPSG(4326),
      gdal.SpatialReference.fromProj4(LONLAT),
    );
    authorityAxisOrder = Math.abs(probe.transformPoint(10, 50).x - 50) < 1e-6;
  }
  return authorityAxisOrder;
}

function wgs84Extent(
  srs: gdal.SpatialReference,
  epsg: number | null,
  points: [number, number][],
): [number, number, number, number] | null {
  if (epsg === 4326) return pointsBbox(points);
  let transform: gdal.CoordinateTransformation;
  try {
    transform = new gdal.CoordinateTransformation(srs, gdal.SpatialReference.fromProj4(LONLAT));
  } catch {
    return null;
  }
  const swap =
    usesAuthorityAxisOrder() && (srs.isGeographic() ? srs.EPSGTreatsAsLatLong() : srs.EPSGTreatsAsNorthingEasting());
  const out: [number, number][] = [];
  for (const [x, y] of points) {
    try {
      const p = swap ? transform.transformPoint(y, x) : transform.transformPoint(x, y);
      out.push([p.x, p.y]);
    } catch {
      // Outside the projection's domain: the remaining points still bound the footprint.
    }
  }
  return pointsBbox(out);
}

/** A dataset title nobody gave: "<file name without extension>: <layer>" (or just the file name). */
export function defaultDatasetTitle(sourceFilename: string | null, layerName: string | null): string {
  const base = (sourceFilename ?? 'dataset').replace(/\.[^.]+$/, '');
  return layerName ? `${base}: ${layerName}` : base;
}

/** The schema that holds ingested tables (created by a migration; never the service's own tables). */
export const DATA_SCHEMA = 'strata_data';

export const COG_COMPRESSIONS = ['DEFLATE', 'ZSTD', 'LZW'] as const;
export type CogCompressionName = (typeof COG_COMPRESSIONS)[number];

export const COG_RESAMPLINGS = ['nearest', 'bilinear', 'cubic', 'average', 'mode'] as const;
export type CogResamplingName = (typeof COG_RESAMPLINGS)[number];

interface CommonCommitOptions {
  title?: string;
  summary?: string | null;
  srid_override?: number | null;
}

export interface VectorCommitOptions extends CommonCommitOptions {
  kind: 'vector';
  x_column?: string | null;
  y_column?: string | null;
  geom_column?: string | null;
}

export interface RasterCommitOptions extends CommonCommitOptions {
  kind: 'raster';
  compression?: CogCompressionName;
  resampling?: CogResamplingName;
  nodata_override?: number | null;
  strict_cog?: boolean;
}

export type CommitOptions = VectorCommitOptions | RasterCommitOptions;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const oneOf = <T extends string>(list: readonly T[], v: unknown): T | undefined => list.find((item) => item === v);

/**
 * What a commit asked for, read back from a job's `options` (`source_kind` from the preview, `commit`
 * from the commit request). Anything malformed is dropped, never trusted.
 */
export function commitOptionsOf(options: Record<string, unknown>): CommitOptions {
  const raw = (typeof options.commit === 'object' && options.commit !== null ? options.commit : {}) as Record<
    string,
    unknown
  >;
  const common: CommonCommitOptions = {
    title: str(raw.title),
    summary: str(raw.summary) ?? null,
    srid_override: num(raw.srid_override) ?? null,
  };
  if (options.source_kind === 'raster') {
    return {
      kind: 'raster',
      ...common,
      compression: oneOf(COG_COMPRESSIONS, raw.compression),
      resampling: oneOf(COG_RESAMPLINGS, raw.resampling),
      nodata_override: num(raw.nodata_override) ?? null,
      strict_cog: raw.strict_cog === true,
    };
  }
  return {
    kind: 'vector',
    ...common,
    x_column: str(raw.x_column) ?? null,
    y_column: str(raw.y_column) ?? null,
    geom_column: str(raw.geom_column) ?? null,
  };
}

import { COG_COMPRESSIONS, COG_RESAMPLINGS, type CogCompressionName, type CogResamplingName } from '@app/contracts';

/** A dataset title nobody gave: "<file name without extension>: <layer>" (or just the file name). */
export function defaultDatasetTitle(sourceFilename: string | null, layerName: string | null): string {
  const base = (sourceFilename ?? 'dataset').replace(/\.[^.]+$/, '');
  return layerName ? `${base}: ${layerName}` : base;
}

/** The schema that holds ingested tables (created by a migration; never the service's own tables). */
export const DATA_SCHEMA = 'strata_data';

// The choices a commit may make are part of the GDAL-free contract (libs/contracts), re-exported here.
export { COG_COMPRESSIONS, COG_RESAMPLINGS, type CogCompressionName, type CogResamplingName };

/** What a preview found a stored file to be: the commit options that apply depend on it. */
export type ContentKind = 'vector' | 'raster';

/** The fields of a commit request, as stored on the job (validated by the gateway, re-checked on read). */
export interface CommitRequest {
  title?: string;
  summary?: string | null;
  srid_override?: number | null;
  x_column?: string | null;
  y_column?: string | null;
  geom_column?: string | null;
  compression?: CogCompressionName;
  resampling?: CogResamplingName;
  nodata_override?: number | null;
  strict_cog?: boolean;
}

/** Every field a commit request may carry (commit, fan-out, retry), for checks on both sides. */
export const COMMIT_OPTION_FIELDS = [
  'title',
  'summary',
  'srid_override',
  'x_column',
  'y_column',
  'geom_column',
  'compression',
  'resampling',
  'nodata_override',
  'strict_cog',
] as const satisfies readonly (keyof CommitRequest)[];

interface CommonCommitOptions {
  title?: string;
  summary: string | null;
  srid_override: number | null;
}

export interface VectorCommitOptions extends CommonCommitOptions {
  kind: 'vector';
  x_column: string | null;
  y_column: string | null;
  geom_column: string | null;
}

export interface RasterCommitOptions extends CommonCommitOptions {
  kind: 'raster';
  compression?: CogCompressionName;
  resampling?: CogResamplingName;
  nodata_override: number | null;
  strict_cog: boolean;
}

export type CommitOptions = VectorCommitOptions | RasterCommitOptions;

/** The options an ingest runs with: the commit request read for the kind of content the preview found. */
export function commitOptionsOf(content: ContentKind | null, commit: CommitRequest | null): CommitOptions {
  const c = commit ?? {};
  const common: CommonCommitOptions = {
    ...(c.title !== undefined ? { title: c.title } : {}),
    summary: c.summary ?? null,
    srid_override: c.srid_override ?? null,
  };
  if (content === 'raster') {
    return {
      kind: 'raster',
      ...common,
      ...(c.compression ? { compression: c.compression } : {}),
      ...(c.resampling ? { resampling: c.resampling } : {}),
      nodata_override: c.nodata_override ?? null,
      strict_cog: c.strict_cog === true,
    };
  }
  return {
    kind: 'vector',
    ...common,
    x_column: c.x_column ?? null,
    y_column: c.y_column ?? null,
    geom_column: c.geom_column ?? null,
  };
}

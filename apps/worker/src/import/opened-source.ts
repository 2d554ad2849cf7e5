import { rm } from 'node:fs/promises';
import type { RecordReader } from '@app/importers';
import type { PlainCsv } from './readers/plain-csv.js';

/** A run's source, opened: its records, and what to remove when the run is done with it. */
export interface OpenedSource {
  reader: RecordReader;
  /** The EPSG code of the source's geometries when the source knows it (GDAL layers); else null/absent. */
  srid?: number | null;
  /** A plain CSV the pipeline may cut into rows itself (see readers/plain-csv.ts); else null/absent. */
  plain?: PlainCsv | null;
  dispose(): Promise<void>;
}

/** A reader over files in a private scratch directory: disposing closes it, then removes the directory. */
export function openedInScratchDir(
  reader: RecordReader & { readonly srid?: number | null; readonly plain?: PlainCsv | null },
  dir: string,
): OpenedSource {
  return {
    reader,
    srid: reader.srid ?? null,
    plain: reader.plain ?? null,
    dispose: async () => {
      try {
        await reader.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

import type { RecordReader, SourceFormat } from '@app/importers';
import type { PlainCsv } from './plain-csv.js';

/** A RecordReader with what the pipeline needs to know about the source besides its records. */
export interface SourceReader extends RecordReader {
  readonly format: SourceFormat;
  /** GDAL sources: the EPSG code of the layer's CRS (null when it has none or none is known); else null. */
  readonly srid: number | null;
  /**
   * A plain UTF-8 CSV (no quotes, no CR, no NUL) the pipeline may cut into rows and hand to PostgreSQL's
   * CSV reader itself (plain-csv.ts); absent or null for every other source.
   */
  readonly plain?: PlainCsv | null;
}

/** The first row `records(from)` returns (1 when absent); readers skip earlier rows without building them. */
export function resumeFrom(from: number | undefined): number {
  if (from === undefined) return 1;
  if (!Number.isInteger(from) || from < 1) throw new RangeError(`records(from): ${from} is not a row number`);
  return from;
}

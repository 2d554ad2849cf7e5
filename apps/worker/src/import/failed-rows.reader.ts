import type { RecordReader, SourceRecord } from '@app/importers';
import type { ImportRunRepository } from '@app/jobs';

/**
 * The failed rows of an earlier run as a source (retries): their original row numbers, the data and the
 * geometry as they were read, in row order. Opening counts them and collects their headers in first-seen
 * order (and the CRS their geometries were read in); `from` counts positions in this source (1 = the
 * first failed row), like a file reader's rows.
 */
export class FailedRowsReader implements RecordReader {
  private constructor(
    private readonly runs: ImportRunRepository,
    private readonly parentId: string,
    readonly headers: string[],
    readonly total: number,
    /** The EPSG code of the layer the rows' geometries came from, when known (a GDAL or service source). */
    readonly srid: number | null,
  ) {}

  static async open(runs: ImportRunRepository, parentId: string): Promise<FailedRowsReader> {
    const seen = new Set<string>();
    let total = 0;
    let srid: number | null = null;
    for await (const row of runs.failedRows(parentId)) {
      total += 1;
      srid ??= row.srid;
      for (const key of Object.keys(row.data)) seen.add(key);
    }
    // Stored row data is jsonb, which does not keep key order: the parent's header row gives it back.
    const recorded = (await runs.recordedHeaders(parentId)).filter((h) => seen.has(h));
    const headers = [...new Set([...recorded, ...seen])];
    return new FailedRowsReader(runs, parentId, headers, total, srid);
  }

  async *records(from = 1): AsyncIterable<SourceRecord> {
    let position = 0;
    for await (const row of this.runs.failedRows(this.parentId)) {
      position += 1;
      if (position < from) continue;
      yield { row_number: row.row_number, data: row.data, geometry: row.geometry };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

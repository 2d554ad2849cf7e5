import type { CompiledImporter, ImporterRead, RecordReader, SourceFormat } from '@app/importers';
import { ImportFailure } from '@app/common';
import { ImportRunError } from './import.errors.js';

/** Where the run finds the compiled form of its importer (the importers library's catalog). */
export interface CompiledImporters {
  compiled(slug: string): CompiledImporter | undefined;
}
export const COMPILED_IMPORTERS = Symbol('COMPILED_IMPORTERS');

/** Opens a local file as records (the readers in ./readers). */
export type OpenRecordReader = (input: {
  path: string;
  format: SourceFormat;
  read: ImporterRead;
  filename: string | null;
}) => Promise<RecordReader & { readonly srid?: number | null }>;
export const RECORD_READER_OPENER = Symbol('RECORD_READER_OPENER');

/**
 * Stand-ins wired until the importers catalog and the file readers are merged into this branch's
 * worker module: a run fails with a clear reason instead of the worker refusing to boot.
 */
export const NO_COMPILED_IMPORTERS: CompiledImporters = { compiled: () => undefined };
export const NO_RECORD_READERS: OpenRecordReader = () =>
  Promise.reject(
    new ImportRunError(ImportFailure.SourceRejected, 'This worker cannot read importer source files yet.'),
  );

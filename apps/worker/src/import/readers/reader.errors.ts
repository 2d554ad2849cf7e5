import { DomainError, FAILURE_POLICY, ErrorCode, ReaderFailure } from '@app/common';

/**
 * A source file a reader cannot read as asked (unknown encoding, missing sheet, pointer or layer,
 * malformed content, no header). Permanent: the next attempt reads the same bytes. The message is
 * written for the importer's user: it may name a line, a sheet or a layer, never a path.
 */
export class ReaderError extends DomainError {
  constructor(
    readonly failure: ReaderFailure,
    message: string,
  ) {
    super(FAILURE_POLICY[failure].http ?? ErrorCode.Unprocessable, message);
  }
}

/**
 * Why one record could not be read (an NDJSON line that is not JSON). It is not thrown: the reader
 * yields the record with this attached (see `recordErrorOf`) so the pipeline fails that row only.
 */
export class RecordParseError {
  constructor(
    /** User-safe, names the line: "Line 7 is not valid JSON." */
    readonly message: string,
  ) {}
}

/** The parse error a reader attached to a record, or null for a readable one. */
export function recordErrorOf(record: object): RecordParseError | null {
  const error = (record as { parse_error?: unknown }).parse_error;
  return error instanceof RecordParseError ? error : null;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

export interface CsvCount {
  /** Non-blank records from the header row on, the header included. */
  records: number;
  /** Fields in the widest of those records. */
  maxWidth: number;
  /** False when the text ends inside a quoted field: the parser will refuse the file. */
  closed: boolean;
}

/** The record delimiter, found as csv-parse finds it: the first line end outside quotes decides. */
type LineEnd = 'crlf' | 'lf' | 'cr';

/**
 * Counts a CSV's records the way the CSV reader's parser (csv-parse) splits them — quotes with `""`
 * escapes, the record delimiter discovered from the first line end (CRLF, LF or CR; the other line-end
 * characters are then field text), blank and all-empty records skipped, `headerRow` as its `from_line`
 * — without building a single row, so the pre-count pass costs a fraction of a parse. The parser stays
 * the authority: the reader corrects its total after a full read if an odd file made the two disagree.
 */
export class CsvRecordCounter {
  private readonly delimiter: number;
  private lineEnd: LineEnd | null = null;
  /** A CR whose meaning depends on the next character (discovery, or CRLF mode). */
  private crPending = false;
  private inQuotes = false;
  /** Inside quotes, the previous character was a quote: an escape or the closing quote. */
  private quotePending = false;
  private fieldStart = true;
  private fields = 1;
  private content = false;
  /** The line the parser is on (line breaks inside quoted fields count too). */
  private line = 1;
  private enabled: boolean;
  private records = 0;
  private maxWidth = 0;

  constructor(
    delimiter: string,
    private readonly headerRow: number,
  ) {
    if (delimiter.length !== 1) throw new RangeError('CsvRecordCounter counts single-character delimiters only');
    this.delimiter = delimiter.charCodeAt(0);
    this.enabled = headerRow <= 1;
  }

  feed(text: string): void {
    for (let i = 0; i < text.length; i += 1) this.next(text.charCodeAt(i));
  }

  /**
   * Counts UTF-8 bytes: every character the counter acts on is ASCII, and no byte of a multi-byte UTF-8
   * sequence is, so the bytes count exactly like the decoded text (the delimiter must be ASCII).
   */
  feedBytes(bytes: Uint8Array): void {
    if (this.delimiter >= 0x80) throw new RangeError('feedBytes counts ASCII delimiters only');
    if (this.lineFeedsOnly(bytes)) {
      this.feedLines(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i += 1) this.next(bytes[i] as number);
  }

  /**
   * Whether `next` would read every byte of `bytes` as a field's text, a delimiter or a record's LF end:
   * counting from the header row on, outside quotes, records ended by LF (or not yet known), and no
   * quote or CR in the bytes (found at memchr speed). Most files are like that, and `feedLines` counts
   * them in one tight loop.
   */
  private lineFeedsOnly(bytes: Uint8Array): boolean {
    return (
      this.enabled &&
      !this.inQuotes &&
      !this.crPending &&
      (this.lineEnd === null || this.lineEnd === 'lf') &&
      bytes.indexOf(QUOTE) < 0 &&
      bytes.indexOf(CR) < 0
    );
  }

  /**
   * `next` over `bytes` when `lineFeedsOnly(bytes)`: the same counts, in locals. Each line's end is found
   * by the typed array's own `indexOf` (native speed), and the loop over the line then only compares
   * with the delimiter once the line has content: about twice as fast as comparing every byte three
   * ways. (A Buffer's `indexOf` is a slower call, hence the plain view.)
   */
  private feedLines(buffer: Uint8Array): void {
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    const delimiter = this.delimiter;
    const n = bytes.length;
    let fields = this.fields;
    let content = this.content;
    let records = this.records;
    let maxWidth = this.maxWidth;
    let lines = 0;
    let i = 0;
    while (i < n) {
      const lf = bytes.indexOf(LF, i);
      const end = lf < 0 ? n : lf;
      let j = i;
      // Until the line has content: a space or a tab is not content (a blank line is no record).
      if (!content) {
        for (; j < end; j += 1) {
          const c = bytes[j] as number;
          if (c === delimiter) fields += 1;
          else if (c !== SPACE && c !== TAB) {
            content = true;
            j += 1;
            break;
          }
        }
      }
      for (; j < end; j += 1) if (bytes[j] === delimiter) fields += 1;
      if (lf < 0) break;
      lines += 1;
      if (content) {
        records += 1;
        if (fields > maxWidth) maxWidth = fields;
      }
      fields = 1;
      content = false;
      i = lf + 1;
    }
    if (lines > 0) this.lineEnd = 'lf';
    this.line += lines;
    this.fields = fields;
    this.content = content;
    this.records = records;
    this.maxWidth = maxWidth;
    const last = bytes[bytes.length - 1];
    if (last !== undefined) this.fieldStart = last === LF || last === delimiter;
  }

  end(): CsvCount {
    if (this.crPending) {
      this.crPending = false;
      if (this.lineEnd === null) this.lineEnd = 'cr';
      if (this.lineEnd === 'cr') this.endRecord();
    }
    const closed = !this.inQuotes || this.quotePending;
    if (this.fields > 1 || this.content) this.endRecord();
    return { records: this.records, maxWidth: this.maxWidth, closed };
  }

  private next(c: number): void {
    if (this.crPending) {
      this.crPending = false;
      this.lineEnd ??= c === LF ? 'crlf' : 'cr';
      if (this.lineEnd === 'crlf' && c === LF) {
        this.endRecord();
        return;
      }
      // CR mode: the CR ended the record. CRLF mode: a lone CR is text.
      if (this.lineEnd === 'cr') this.endRecord();
      else this.fieldStart = false;
    }
    if (this.inQuotes) {
      if (this.quotePending) {
        this.quotePending = false;
        if (c === QUOTE) {
          this.content = true;
          return;
        }
        // The quote closed the field; this character is read outside quotes.
        this.inQuotes = false;
        this.fieldStart = false;
      } else {
        if (c === QUOTE) this.quotePending = true;
        else if (c === LF || c === CR) this.line += 1;
        else if (c !== SPACE && c !== TAB) this.content = true;
        return;
      }
    }
    if (c === QUOTE && this.fieldStart) {
      this.inQuotes = true;
      this.fieldStart = false;
    } else if (c === this.delimiter) {
      this.fields += 1;
      this.fieldStart = true;
    } else if (c === CR && this.lineEnd !== 'lf') {
      this.crPending = true;
    } else if (c === LF && (this.lineEnd === null || this.lineEnd === 'lf')) {
      this.lineEnd = 'lf';
      this.endRecord();
    } else {
      // CR and LF that do not end records are text; like spaces, they leave a cell blank.
      if (c !== SPACE && c !== TAB && c !== CR && c !== LF) this.content = true;
      this.fieldStart = false;
    }
  }

  private endRecord(): void {
    this.line += 1;
    if (!this.enabled) {
      // csv-parse's from_line: the record ending here is dropped; counting starts with the next line.
      if (this.line >= this.headerRow) this.enabled = true;
    } else if (this.content) {
      this.records += 1;
      if (this.fields > this.maxWidth) this.maxWidth = this.fields;
    }
    this.inQuotes = false;
    this.quotePending = false;
    this.fieldStart = true;
    this.fields = 1;
    this.content = false;
  }
}

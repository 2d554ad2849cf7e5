// The JavaScript side of the plain-CSV path's vouching (raw-stage.ts): the same checks the raw stage's
// SQL makes on each cell (`ok`), made by the worker on the chunk's lines while the database works on the
// chunk before. A chunk whose every row the worker vouches for, with no key repeated, goes into the
// target with one COPY: no raw table, no checks in SQL, no INSERT … SELECT. The checks here may only be
// stricter than the SQL ones, never looser (a row refused here just goes the SQL way), and the values
// sent are the ones the SQL path would write.
import {
  EMAIL,
  FALSE_WORDS,
  TRUE_WORDS,
  type FieldDefinition,
  type FieldType,
  type HeaderBinding,
  type ImporterDefinition,
} from '@app/importers';
import { ident, qualified } from './merge-sql.js';
import type { PlainChunk } from './readers/plain-csv.js';

const BOOLEAN_SET = new Set([...TRUE_WORDS, ...FALSE_WORDS]);
/** The boolean words PostgreSQL's own input does not read, with the text it reads for them. */
const COPY_UNREAD = new Map([
  ['ja', 't'],
  ['j', 't'],
  ['nein', 'f'],
]);

/** Types whose values min/max/between compare as numbers (text only when it reads as a decimal). */
export const NUMERIC_TYPES = new Set<FieldType>(['text', 'integer', 'bigint', 'numeric', 'double']);

/**
 * The COPY of a vouched chunk into the target. The target's column types must be exactly the ones the
 * SQL path's casts produce (`columnTypes`), so that the column's own input function reads each value as
 * the cast would: checked once per run (`TARGET_COLUMNS_SQL`) before the first COPY.
 */
export interface TargetCopy {
  /** `COPY target (fields…) FROM STDIN (FORMAT csv, DELIMITER d)`. */
  statement: string;
  /** Per target column, the types (`regtype` names) whose input reads a value as the SQL path's cast. */
  columnTypes: Record<string, string[]>;
  /**
   * The chunk as COPY input for `statement` with its keys, or null when a row is not vouched for or a key
   * repeats. It lets the event loop run every `VOUCH_SLICE` rows: the database's answers on the other
   * lanes are not kept waiting by a whole chunk's checks.
   */
  vouch(chunk: PlainChunk): Promise<Vouched | null>;
}

/** A chunk the worker vouched for. */
export interface Vouched {
  bytes: Buffer;
  /** Its keys, when each is one value of the key column as written (see `ChunkKeys`); else null. */
  keys: ChunkKeys | null;
}

/**
 * The keys of a vouched chunk, each exactly as the target's key column stores it, so two chunks whose
 * keys differ here write different keys: a single integer key in its plain form (numbers), or a single
 * text key (numbers and texts stand for their bytes; a number and a text never have the same bytes).
 */
export interface ChunkKeys {
  /** Ascending. */
  numbers: Float64Array;
  texts: ReadonlySet<string> | null;
}

/** Whether two chunks have no key in common (neither may be null: an unknown key set is not disjoint). */
export function keysDisjoint(a: ChunkKeys | null | undefined, b: ChunkKeys | null | undefined): boolean {
  if (!a || !b) return false;
  if (a.texts && b.texts) {
    const [small, large] = a.texts.size <= b.texts.size ? [a.texts, b.texts] : [b.texts, a.texts];
    for (const text of small) if (large.has(text)) return false;
  }
  const [x, y] = [a.numbers, b.numbers];
  if (x.length === 0 || y.length === 0) return true;
  if ((x[x.length - 1] as number) < (y[0] as number) || (y[y.length - 1] as number) < (x[0] as number)) return true;
  // Both ascending: one walk.
  for (let i = 0, j = 0; i < x.length && j < y.length;) {
    const d = (x[i] as number) - (y[j] as number);
    if (d === 0) return false;
    if (d < 0) i += 1;
    else j += 1;
  }
  return true;
}

/**
 * For `$1` (the target, quoted) and `$2` (its key columns): whether two chunks with no key in common can
 * write it at once without either waiting for the other's rows (which PostgreSQL cannot see as a deadlock
 * when the other waits in the worker): an ordinary table with no trigger of its own, no unique index or
 * exclusion constraint but on exactly the key columns, and key columns compared by their bytes.
 */
export const TARGET_OVERLAP_SQL = `SELECT c.relkind = 'r'
    AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
    AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.oid AND (i.indisunique OR i.indisexclusion)
        AND (i.indisexclusion OR i.indpred IS NOT NULL OR i.indexprs IS NOT NULL
          OR (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[]))
            IS DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM unnest($2::text[]) k)))
    AND NOT EXISTS (
      SELECT 1 FROM pg_attribute a JOIN pg_collation l ON l.oid = a.attcollation
      WHERE a.attrelid = c.oid AND a.attname = ANY ($2::text[]) AND NOT l.collisdeterministic) AS safe
  FROM pg_class c WHERE c.oid = to_regclass($1)`;

/**
 * The target's columns with their types (`regtype` names, no modifiers), for `$1` (the target, quoted);
 * nothing when the target is not a table, has rules (COPY does not apply them as INSERT does) or row-level
 * security (COPY FROM refuses it).
 */
export const TARGET_COLUMNS_SQL = `SELECT a.attname::text AS name, a.atttypid::regtype::text AS type
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    AND c.relkind IN ('r', 'p') AND NOT c.relhasrules AND NOT c.relrowsecurity`;

/** The column types whose input function reads the SQL path's typed value of each field type the same. */
const COLUMN_TYPES: Partial<Record<FieldType, string[]>> = {
  text: ['text', 'character varying'],
  integer: ['integer'],
  bigint: ['bigint'],
  numeric: ['numeric'],
  double: ['double precision'],
  date: ['date'],
  boolean: ['boolean'],
};

/** Whether the target's columns (`TARGET_COLUMNS_SQL`) take the COPY as the SQL path would write. */
export function targetTakesCopy(copy: TargetCopy, columns: { name: string; type: string }[]): boolean {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  return Object.entries(copy.columnTypes).every(([column, allowed]) => allowed.includes(types.get(column) ?? ''));
}

/** Rows checked between two turns of the event loop. */
const VOUCH_SLICE = 500;

const LF = 0x0a;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSign = (c: number): boolean => c === 43 || c === 45;

// The checks read the cell `b[s, e)` in place, in the chunk's bytes (one row after the other): no string
// is made of the chunk, and a row costs no strings but those a rule needs. The file is UTF-8 (checked as
// it was read); every character a check looks for is ASCII, and no byte of a multi-byte sequence is.

/** raw-stage.ts `integerSure`: `^[+-]?[0-9]{1,max}$`. */
export function integerSure(b: Uint8Array, s: number, e: number, max: number): boolean {
  const n = e - s;
  let i = s;
  if (isSign(b[s] as number)) {
    if (n < 2 || n > max + 1) return false;
    i += 1;
  } else if (n < 1 || n > max) return false;
  for (; i < e; i += 1) if (!isDigit(b[i] as number)) return false;
  return true;
}

/** raw-stage.ts `decimalSure`: `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`, at most 300 characters. */
export function decimalSure(b: Uint8Array, s: number, e: number): boolean {
  const n = e - s;
  if (n > 300) return false;
  let i = s;
  const signed = isSign(b[s] as number);
  if (signed) i += 1;
  let dot = false;
  for (; i < e; i += 1) {
    const c = b[i] as number;
    if (isDigit(c)) continue;
    if (c === 46 && !dot) {
      dot = true;
      continue;
    }
    return false;
  }
  return n > (signed ? 1 : 0) + (dot ? 1 : 0);
}

const digitAt = (b: Uint8Array, i: number): number => (b[i] as number) - 48;

/** raw-stage.ts `dateSure`: `YYYY-MM-DD`, month 01–12, day 01–28, year not 0000. */
export function dateSure(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 10 || b[s + 4] !== 45 || b[s + 7] !== 45) return false;
  for (let i = s; i < e; i += 1) if (i !== s + 4 && i !== s + 7 && !isDigit(b[i] as number)) return false;
  const month = digitAt(b, s + 5) * 10 + digitAt(b, s + 6);
  const day = digitAt(b, s + 8) * 10 + digitAt(b, s + 9);
  const year = digitAt(b, s) + digitAt(b, s + 1) + digitAt(b, s + 2) + digitAt(b, s + 3);
  return month >= 1 && month <= 12 && day >= 1 && day <= 28 && year > 0;
}

function isAscii(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i += 1) if ((b[i] as number) >= 0x80) return false;
  return true;
}

/** Characters as PostgreSQL's length() counts them (code points): the bytes that start a UTF-8 sequence. */
function codePoints(b: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i += 1) if (((b[i] as number) & 0xc0) !== 0x80) n += 1;
  return n;
}

/** The cell as text, one character per byte: exact for ASCII, and byte-for-byte comparable for any. */
const latin1 = (b: Uint8Array, s: number, e: number): string => Buffer.prototype.latin1Slice.call(b, s, e);

/**
 * ASCII characters the `email` rule's pattern (EMAIL) refuses in either part (whitespace, `"(),:;<>[\]`),
 * read off the pattern itself: those it refuses in `x?@y.z`. `@` is left to the scanner.
 */
const EMAIL_REFUSED = Uint8Array.from({ length: 128 }, (_, c) =>
  c !== 64 && !EMAIL.test(`x${String.fromCharCode(c)}@y.z`) ? 1 : 0,
);

/**
 * EMAIL (builtins.ts) on an ASCII cell, without a string: one `@` with something before it, and a `.`
 * after it with something on either side, none of the refused characters anywhere.
 */
export function emailSure(b: Uint8Array, s: number, e: number): boolean {
  let at = -1;
  for (let i = s; i < e; i += 1) {
    const c = b[i] as number;
    if (c >= 0x80 || EMAIL_REFUSED[c] === 1) return false;
    if (c === 64) {
      if (at >= 0) return false;
      at = i;
    }
  }
  if (at <= s) return false;
  for (let d = at + 2; d < e - 1; d += 1) if (b[d] === 46) return true;
  return false;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of a cell `decimalSure` accepts, as `Number()` reads its text. With at most 15 significant
 * digits and 22 after the point, `m / 10^k` of two exact doubles is the correctly rounded decimal, as
 * `Number()` is; anything longer is read by `Number()` itself.
 */
export function decimalValue(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const negative = b[s] === 45;
  if (isSign(b[s] as number)) i += 1;
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < e; i += 1) {
    const c = b[i] as number;
    if (c === 46) {
      fraction = 0;
      continue;
    }
    if (fraction >= 0) fraction += 1;
    if (m === 0 && c === 48) continue;
    m = m * 10 + (c - 48);
    digits += 1;
  }
  const k = Math.max(fraction, 0);
  if (digits > 15 || k > 22) return Number(latin1(b, s, e));
  const value = m / (POWERS_OF_TEN[k] as number);
  return negative ? -value : value;
}

type CellCheck = (b: Uint8Array, s: number, e: number) => boolean;

/** The check that passes every cell: a plan skips it rather than call it. */
const ALWAYS: CellCheck = () => true;

/**
 * A present cell's type check, and when COPY must be sent another text than the cell's: `rewrites` says
 * whether the cell needs it (null: never), `rewrite` gives the text.
 */
interface TypedCheck {
  sure: CellCheck;
  rewrites: CellCheck | null;
  rewrite: ((v: string) => string | null) | null;
}

/** The SQL path writes `v::float8 + 0`: -0 becomes 0. */
const doubleRewrite = (v: string): string | null => (v.charCodeAt(0) === 45 && Number(v) === 0 ? '0' : null);
/** COPY's boolean input reads every word of the SQL path the same, in any case, but 'ja', 'j' and 'nein'. */
const booleanRewrite = (v: string): string | null => COPY_UNREAD.get(v.toLowerCase()) ?? null;

function typedCheck(type: FieldType): TypedCheck | null {
  switch (type) {
    case 'text':
      return { sure: ALWAYS, rewrites: null, rewrite: null };
    case 'integer':
      return { sure: (b, s, e) => integerSure(b, s, e, 9), rewrites: null, rewrite: null };
    case 'bigint':
      return { sure: (b, s, e) => integerSure(b, s, e, 18), rewrites: null, rewrite: null };
    case 'numeric':
      return { sure: decimalSure, rewrites: null, rewrite: null };
    case 'double':
      return {
        sure: decimalSure,
        rewrites: (b, s, e) => b[s] === 45 && doubleRewrite(latin1(b, s, e)) !== null,
        rewrite: doubleRewrite,
      };
    case 'date':
      return { sure: dateSure, rewrites: null, rewrite: null };
    case 'boolean':
      return {
        sure: (b, s, e) => e - s <= 5 && isAscii(b, s, e) && BOOLEAN_SET.has(latin1(b, s, e).toLowerCase()),
        rewrites: (b, s, e) => e - s <= 4 && booleanRewrite(latin1(b, s, e)) !== null,
        rewrite: booleanRewrite,
      };
    default:
      return null;
  }
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** raw-stage.ts `rulesSure`: whether a present cell passes the field's rules; null for a rule not mirrored. */
function rulesCheck(field: FieldDefinition, type: FieldType): CellCheck | null {
  const checks: CellCheck[] = [];
  const text = type === 'text';
  // A typed value already passed its type's check; a text one must read as a decimal.
  const numberOf = (b: Uint8Array, s: number, e: number): number =>
    text && !decimalSure(b, s, e) ? Number.NaN : decimalValue(b, s, e);
  const numeric = NUMERIC_TYPES.has(type);
  for (const { name, arg } of field.rules) {
    switch (name) {
      case 'required':
      case 'unique_in_file':
      case 'exists':
        break;
      case 'email':
        if (!text) return null;
        checks.push((b, s, e) => e - s <= 254 && emailSure(b, s, e));
        break;
      case 'min':
      case 'max': {
        if (!finite(arg) || !numeric) return null;
        const bound = arg;
        // NaN (not a decimal) compares false either way.
        checks.push(name === 'min' ? (b, s, e) => numberOf(b, s, e) >= bound : (b, s, e) => numberOf(b, s, e) <= bound);
        break;
      }
      case 'between': {
        if (!Array.isArray(arg) || !numeric) return null;
        const [lo, hi] = arg as unknown[];
        if (!finite(lo) || !finite(hi)) return null;
        checks.push((b, s, e) => {
          const n = numberOf(b, s, e);
          return n >= lo && n <= hi;
        });
        break;
      }
      case 'min_length':
      case 'max_length': {
        if (!text || typeof arg !== 'number' || !Number.isInteger(arg)) return null;
        const limit = arg;
        checks.push(
          name === 'min_length' ? (b, s, e) => codePoints(b, s, e) >= limit : (b, s, e) => codePoints(b, s, e) <= limit,
        );
        break;
      }
      case 'in': {
        if (!text || !Array.isArray(arg) || arg.length === 0) return null;
        if (!arg.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return null;
        const allowed = new Set(arg.map((x) => String(x)));
        checks.push((b, s, e) => allowed.has(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8')));
        break;
      }
      default:
        return null;
    }
  }
  if (checks.length === 0) return ALWAYS;
  if (checks.length === 1) return checks[0] as CellCheck;
  return (b, s, e) => {
    for (const check of checks) if (!check(b, s, e)) return false;
    return true;
  };
}

/**
 * One target column: the header cell it reads (-1: none, always null), the check of a present cell (its
 * type's and its rules'; null when every cell passes), its rewrite.
 */
interface CellPlan {
  at: number;
  type: FieldType;
  required: boolean;
  check: CellCheck | null;
  rewrites: CellCheck | null;
  rewrite: ((v: string) => string | null) | null;
}

/** `a` and then `b`, without a call for a check that passes every cell; null when both do. */
function both(a: CellCheck, b: CellCheck): CellCheck | null {
  if (a === ALWAYS) return b === ALWAYS ? null : b;
  return b === ALWAYS ? a : (bytes, s, e) => a(bytes, s, e) && b(bytes, s, e);
}

/**
 * A row's key for the repeat check: a short unsigned integer as its number (no string made), anything
 * else as its bytes, one character per byte. Two spellings of one number (`7`, `07`, `+7`) differ here,
 * as they do for the raw stage's own check: COPY then meets them as a stored key.
 */
function keyOf(b: Uint8Array, s: number, e: number): number | string {
  if (e - s <= 15 && (b[s] !== 48 || e - s === 1)) {
    let n = 0;
    let i = s;
    for (; i < e; i += 1) {
      const c = b[i] as number;
      if (!isDigit(c)) break;
      n = n * 10 + (c - 48);
    }
    if (i === e) return n;
  }
  return latin1(b, s, e);
}

/**
 * Whether a chunk repeats a key. Number keys are kept in an array: while they rise (files sorted by
 * their key) nothing else is needed, else they are sorted once at the end and neighbours compared. A
 * set of numbers would cost far more per row. Other keys go into a set.
 */
class KeyCheck {
  private readonly numbers: Float64Array;
  private count = 0;
  private rising = true;
  private texts: Set<string> | null = null;

  constructor(rows: number) {
    this.numbers = new Float64Array(rows);
  }

  /** Adds a key; false when a text key was seen already (number keys answer in `repeated`). */
  add(key: number | string): boolean {
    if (typeof key === 'number') {
      if (this.count > 0 && key <= (this.numbers[this.count - 1] as number)) this.rising = false;
      this.numbers[this.count] = key;
      this.count += 1;
      return true;
    }
    this.texts ??= new Set();
    if (this.texts.has(key)) return false;
    this.texts.add(key);
    return true;
  }

  /** Whether two number keys were equal (they are ascending afterwards). */
  repeated(): boolean {
    if (this.rising) return false;
    const sorted = this.numbers.subarray(0, this.count).sort();
    this.rising = true;
    for (let i = 1; i < sorted.length; i += 1) if (sorted[i] === sorted[i - 1]) return true;
    return false;
  }

  /** The keys, after `repeated`, for a key column of `kind`; null when one is not its plain form. */
  keys(kind: 'number' | 'text' | null): ChunkKeys | null {
    if (kind === null || (kind === 'number' && this.texts !== null)) return null;
    return { numbers: this.numbers.subarray(0, this.count), texts: this.texts };
  }
}

/**
 * The COPY of vouched chunks into the target for an importer on the plain-CSV path, or null when a field
 * needs anything the raw stage's SQL does not vouch for either. `keyAts`: the key columns' header cells.
 */
export function targetCopyOf(
  definition: ImporterDefinition,
  fieldTypes: Record<string, FieldType>,
  binding: HeaderBinding,
  headers: string[],
  delimiter: string,
  keyAts: number[],
): TargetCopy | null {
  const plans: CellPlan[] = [];
  const columnTypes: Record<string, string[]> = {};
  for (const field of definition.fields) {
    const type = fieldTypes[field.column] ?? field.type;
    const read = typedCheck(type);
    const rules = rulesCheck(field, type);
    const allowed = COLUMN_TYPES[type];
    if (field.transforms.length > 0 || !read || !rules || !allowed) return null;
    columnTypes[field.column] = allowed;
    const header = binding.columns[field.column] ?? null;
    const at = header === null ? -1 : headers.indexOf(header);
    const required = field.rules.some((r) => r.name === 'required');
    if (at < 0 && required) return null;
    plans.push({ at, type, required, check: both(read.sure, rules), rewrites: read.rewrites, rewrite: read.rewrite });
  }
  const width = headers.length;
  // The plain-CSV path takes single-byte ASCII delimiters only (plain-csv.ts).
  const separator = delimiter.charCodeAt(0);
  // When every header is a field's, COPY names the columns in the file's order and takes the lines as
  // they are (but for a cell that must be rewritten); else each line is rebuilt in the fields' order.
  const byHeader = plans.every((p) => p.at >= 0) && new Set(plans.map((p) => p.at)).size === width;
  const order = byHeader ? [...plans].sort((a, b) => a.at - b.at) : plans;
  const columns = order.map((p) => ident((definition.fields[plans.indexOf(p)] as FieldDefinition).column));
  const target = qualified(`${definition.target.schema}.${definition.target.table}`);
  const quoted = `'${delimiter.replace(/'/g, "''")}'`;
  const bounds = new Int32Array(width + 1);
  const present = plans.filter((p) => p.at >= 0);
  // A single key column's values as `ChunkKeys` holds them: integers, or text (as bytes).
  const keyType = keyAts.length === 1 ? plans.find((p) => p.at === keyAts[0])?.type : undefined;
  const keyKind = keyType === 'integer' || keyType === 'bigint' ? 'number' : keyType === 'text' ? 'text' : null;
  return {
    statement: `COPY ${target} (${columns.join(', ')}) FROM STDIN (FORMAT csv, DELIMITER ${quoted})`,
    columnTypes,
    async vouch(chunk) {
      const b = chunk.bytes;
      const keys = new KeyCheck(chunk.rows);
      let rewrite = !byHeader;
      let at = 0;
      for (let row = 0; row < chunk.rows; row += 1) {
        if (row % VOUCH_SLICE === VOUCH_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
        // The cells' bounds, and the line's end: cell i is b[bounds[i], bounds[i + 1] - 1).
        bounds[0] = at;
        let cell = 1;
        let end = at;
        for (; end < b.length; end += 1) {
          const c = b[end] as number;
          if (c === LF) break;
          if (c !== separator) continue;
          if (cell >= width) return null;
          bounds[cell] = end + 1;
          cell += 1;
        }
        if (end >= b.length || cell !== width) return null;
        bounds[width] = end + 1;
        for (const plan of present) {
          const s = bounds[plan.at] as number;
          const e = (bounds[plan.at + 1] as number) - 1;
          if (s === e) {
            if (plan.required) return null;
            continue;
          }
          // A cell that starts with a visible ASCII character is certainly not blank (raw-stage.ts).
          const first = b[s] as number;
          if (first < 33 || first > 126 || (plan.check !== null && !plan.check(b, s, e))) return null;
          if (plan.rewrites && !rewrite && plan.rewrites(b, s, e)) rewrite = true;
        }
        if (keyAts.length > 0) {
          let key: number | string = '';
          for (const k of keyAts) {
            const s = bounds[k] as number;
            const e = (bounds[k + 1] as number) - 1;
            if (s === e) return null;
            key = keyAts.length === 1 ? keyOf(b, s, e) : `${key}${latin1(b, s, e)}\u0000`;
          }
          if (!keys.add(key)) return null;
        }
        at = end + 1;
      }
      if (keys.repeated()) return null;
      const bytes = rewrite ? Buffer.from(rebuilt(b.toString('utf8'), delimiter, width, order), 'utf8') : b;
      return { bytes, keys: keys.keys(keyKind) };
    },
  };
}

/** The lines of a vouched chunk's text with their cells in `order` and rewritten where needed. */
function rebuilt(text: string, delimiter: string, width: number, order: CellPlan[]): string {
  const out: string[] = [];
  const values = new Array<string>(order.length);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cells = line.split(delimiter, width);
    for (let i = 0; i < order.length; i += 1) {
      const plan = order[i] as CellPlan;
      const v = plan.at < 0 ? '' : (cells[plan.at] as string);
      values[i] = v === '' || !plan.rewrite ? v : (plan.rewrite(v) ?? v);
    }
    out.push(values.join(delimiter));
  }
  out.push('');
  return out.join('\n');
}

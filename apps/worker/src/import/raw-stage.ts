// The plain-CSV path of an importer run: PostgreSQL parses the chunk's rows (COPY … FORMAT csv into a
// text table, `import_raw`) and one statement moves every row it can vouch for into the typed staging
// table. A row is vouched for only when SQL can be sure the JavaScript pipeline (compile.ts: cast.ts and
// the built-in rules) would accept it with exactly the same values; every other row — a failure, or
// anything unusual — is handed back to JavaScript, which decides it as always. So the outcome of every
// row, and every message, is the JavaScript pipeline's; SQL only takes the plain, valid majority off
// its hands. Importers using anything SQL cannot mirror exactly (transforms, regex, url, uuid, timestamps,
// json, geometry, keep_successful) do not take this path at all.
import {
  EMAIL,
  FALSE_WORDS,
  TRUE_WORDS,
  type FieldDefinition,
  type FieldType,
  type HeaderBinding,
  type ImporterDefinition,
} from '@app/importers';
import { ident, qualified, STAGE } from './merge-sql.js';
import type { PlainCsv } from './readers/plain-csv.js';
import { NUMERIC_TYPES, targetCopyOf, type TargetCopy } from './raw-vouch.js';

export const RAW = 'pg_temp.import_raw';
/** The widest file (headers) the raw stage takes. */
export const MAX_RAW_COLUMNS = 1000;
const RAW_SEQUENCE = 'pg_temp.import_raw_seq';

export interface RawStage {
  /** Creates the raw table (one text column per header) and the sequence that numbers its rows. */
  ddl: string[];
  /** Drops them (the connection goes back to the pool). */
  drop: string[];
  /** Empties the raw table; the next COPY numbers its rows from `firstRow`. */
  reset(firstRow: number): string[];
  /** COPY of the chunk's lines (CSV, the file's delimiter) into the raw table. */
  copy: string;
  /**
   * Inserts the rows SQL vouches for into the staging table and answers the others, in file order:
   * `row_number` and `c1`…`cN` (the cells; null for an empty cell).
   */
  classify: string;
  /** The cells of rows `$1` (int[]), for failed rows' data. */
  rows: string;
  /** The reader's headers, in raw column order. */
  headers: string[];
  delimiter: string;
  /** The direct merge, when the importer allows it (see `DirectMerge`); else null. */
  direct: DirectMerge | null;
  /**
   * With the direct merge: the COPY of chunks the worker vouches for straight into the target
   * (raw-vouch.ts), while chunks bring new keys only; null when a field needs what the worker does not mirror.
   */
  targetCopy: TargetCopy | null;
  /** Whether SQL vouches for a raw row (a boolean expression over `c1`…`cN`). */
  ok: string;
}

/**
 * The direct merge of a clean chunk: when SQL vouches for every row of a chunk and no key repeats in it,
 * one INSERT … ON CONFLICT moves the raw rows into the target, with no staging table, no occurrence
 * rounds and no per-row answer. It gives the outcome the staged merge would (the strategy on rows whose
 * keys are all distinct), and a chunk it cannot take — a row not vouched for, a repeated key, a statement
 * the target refuses — goes the staged way instead, so nothing about a row's outcome changes.
 * Strategies: `insert`, `skip` and `upsert` (`update`, `update_if_newer` and `fail` answer per-row
 * outcomes that need the staged merge); no `exists` or `unique_in_file` rule (checked on the staging
 * table). `skip` and `upsert` need a unique index on exactly the key columns (`arbiter`).
 */
export interface DirectMerge {
  /** Answers `clean`: every row vouched for and no key (as text) repeated in the chunk. */
  probe: string;
  /** Moves the chunk into the target; answers `created`, `updated` and `skipped` (integers). */
  statement: string;
  /**
   * For `skip` and `upsert`: the chunk as plain inserts, answering the same counts; the target refuses it
   * (unique violation) when a key is already there. Cheaper than ON CONFLICT, which first looks every key
   * up, so it goes first while chunks bring new keys only (an initial load, an append). Null for `insert`.
   */
  fresh: string | null;
  /** Answers `found` for `$1` (the target, quoted) and `$2` (the key columns): ON CONFLICT has an arbiter. Null for `insert`. */
  arbiter: string | null;
}

/**
 * Whether the target, a plain table (not partitioned, not a view), has a unique index ON CONFLICT can use
 * for exactly the key columns `$2` (text[]).
 */
const ARBITER_SQL = `SELECT EXISTS (
  SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid AND c.relkind = 'r'
  WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indimmediate
    AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = cardinality($2::text[])
    AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a
         WHERE a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))
      = (SELECT array_agg(k ORDER BY k) FROM unnest($2::text[]) k)) AS found`;

function directMergeOf(
  definition: ImporterDefinition,
  ok: string,
  values: string[],
  keyCells: string[] | null,
): DirectMerge | null {
  const { strategy } = definition.duplicates;
  if (strategy !== 'insert' && strategy !== 'skip' && strategy !== 'upsert') return null;
  if (definition.fields.some((f) => f.rules.some((r) => r.name === 'exists' || r.name === 'unique_in_file'))) {
    return null;
  }
  const key = definition.target.key;
  if (strategy !== 'insert' && (key.length === 0 || keyCells === null)) return null;
  const target = qualified(`${definition.target.schema}.${definition.target.table}`);
  const columns = definition.fields.map((f) => ident(f.column));
  // Keys compared as their text, byte for byte: two spellings of one value ("1", "+1") pass the probe,
  // and the statement refuses them (ON CONFLICT cannot affect a row twice), so the chunk goes staged.
  const distinct =
    keyCells && keyCells.length > 0
      ? ` AND count(*) = count(DISTINCT (${keyCells.map((c) => `${c} COLLATE "C"`).join(', ')}))`
      : '';
  const insert =
    `INSERT INTO ${target} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${RAW}` +
    (strategy === 'skip' ? ' ORDER BY __row' : '');
  const keyList = key.map(ident).join(', ');
  const nonKey = definition.fields.map((f) => f.column).filter((c) => !key.includes(c));
  const set = (nonKey.length > 0 ? nonKey : key).map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ');
  const plain = `WITH ins AS (${insert} RETURNING 1)
      SELECT count(*)::integer AS created, 0 AS updated, 0 AS skipped FROM ins`;
  let statement: string;
  if (strategy === 'insert') {
    statement = plain;
  } else if (strategy === 'skip') {
    statement = `WITH ins AS (${insert} ON CONFLICT (${keyList}) DO NOTHING RETURNING 1)
      SELECT count(*)::integer AS created, 0 AS updated, (SELECT count(*)::integer FROM ${RAW}) - count(*)::integer AS skipped FROM ins`;
  } else {
    // A row ON CONFLICT inserted has no xmax; one it updated carries the updating transaction's.
    statement = `WITH ins AS (${insert} ON CONFLICT (${keyList}) DO UPDATE SET ${set} RETURNING (xmax = 0) AS created)
      SELECT count(*) FILTER (WHERE created)::integer AS created, count(*) FILTER (WHERE NOT created)::integer AS updated,
        0 AS skipped FROM ins`;
  }
  return {
    probe: `SELECT coalesce(bool_and(${ok}), true)${distinct} AS clean FROM ${RAW}`,
    statement,
    fresh: strategy === 'insert' ? null : plain,
    arbiter: strategy === 'insert' ? null : ARBITER_SQL,
  };
}

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
// Each check is what measured cheapest in PostgreSQL 15 (200,000 rows): LIKE, IN lists and a short
// translate() cost 0.2–0.5 µs a row, a regular expression 0.5–1 µs, a translate() of a long set 4–6 µs.
const DIGITS = `'0123456789'`;
/** `v` without its digits. */
const nonDigits = (v: string): string => `translate(${v}, ${DIGITS}, '')`;
const ascii = (v: string): string => `octet_length(${v}) = length(${v})`;

/** `^[+-]?[0-9]{1,max}$` */
function integerSure(v: string, max: number): string {
  return (
    `CASE ${nonDigits(v)} WHEN '' THEN length(${v}) <= ${max}` +
    ` WHEN '-' THEN left(${v}, 1) = '-' AND length(${v}) BETWEEN 2 AND ${max + 1}` +
    ` WHEN '+' THEN left(${v}, 1) = '+' AND length(${v}) BETWEEN 2 AND ${max + 1} ELSE false END`
  );
}

/**
 * A decimal without exponent, `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`, of at most 300 characters (so a
 * float8 holds it without overflow or underflow, for min/max/between). Exponents are left to JavaScript.
 */
function decimalSure(v: string): string {
  const rest = nonDigits(v);
  return (
    `length(${v}) <= 300 AND CASE ${rest} WHEN '' THEN true WHEN '.' THEN length(${v}) > 1` +
    ` WHEN '-' THEN left(${v}, 1) = '-' AND length(${v}) > 1 WHEN '+' THEN left(${v}, 1) = '+' AND length(${v}) > 1` +
    ` WHEN '-.' THEN left(${v}, 1) = '-' AND length(${v}) > 2 WHEN '+.' THEN left(${v}, 1) = '+' AND length(${v}) > 2` +
    ` ELSE false END`
  );
}

const inList = (values: string[]): string => values.map(literal).join(', ');
const twoDigits = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i).padStart(2, '0'));

/** `YYYY-MM-DD` with month 01–12 and day 01–28 (29–31 are left to JavaScript's calendar), year not 0000. */
function dateSure(v: string): string {
  return (
    `length(${v}) = 10 AND ${v} LIKE '____-__-__' AND ${nonDigits(v)} = '--'` +
    ` AND substr(${v}, 6, 2) IN (${inList(twoDigits(1, 12))}) AND substr(${v}, 9, 2) IN (${inList(twoDigits(1, 28))})` +
    ` AND left(${v}, 4) <> '0000'`
  );
}

/** How SQL reads one present (non-blank) value of a type: when it is sure, and the typed value. */
function typed(type: FieldType, v: string): { sure: string; value: string } | null {
  switch (type) {
    case 'text':
      return { sure: 'true', value: v };
    case 'integer':
      return { sure: integerSure(v, 9), value: `${v}::integer` };
    case 'bigint':
      return { sure: integerSure(v, 18), value: `${v}::bigint` };
    case 'numeric':
      return { sure: decimalSure(v), value: `${v}::numeric` };
    case 'double':
      // `+ 0` turns -0 into 0, as JavaScript's String(-0) does on the way to the staging COPY.
      return { sure: decimalSure(v), value: `(${v}::float8 + 0)` };
    case 'date':
      return { sure: dateSure(v), value: `${v}::date` };
    case 'boolean': {
      const words = [...TRUE_WORDS, ...FALSE_WORDS].map(literal).join(', ');
      return {
        sure: `length(${v}) <= 5 AND ${ascii(v)} AND lower(${v}) IN (${words})`,
        value: `lower(${v}) IN (${[...TRUE_WORDS].map(literal).join(', ')})`,
      };
    }
    default:
      return null;
  }
}

function floatLiteral(n: unknown): string | null {
  return typeof n === 'number' && Number.isFinite(n) ? `${literal(String(n))}::float8` : null;
}

/**
 * The email rule's own pattern (builtins.ts), which reads the same in PostgreSQL's syntax: classes of
 * single characters, `\\s` inside brackets. For ASCII text only, where `\\s` means the same six characters.
 */
function emailSure(v: string): string {
  return `length(${v}) <= 254 AND ${ascii(v)} AND ${v} ~ ${literal(EMAIL.source)}`;
}

/**
 * When SQL is sure a present value passes the field's rules (null: a rule SQL cannot mirror). `v` is the
 * raw cell, already known to read as the field's type.
 */
function rulesSure(field: FieldDefinition, v: string): string | null {
  const parts: string[] = [];
  const text = field.type === 'text';
  // A typed value already passed its type's check, which keeps it within float8.
  const number = text ? decimalSure(v) : 'true';
  for (const { name, arg } of field.rules) {
    switch (name) {
      case 'required':
        break;
      case 'unique_in_file':
      case 'exists':
        // Checked in SQL on the staging table afterwards, for every row alike.
        break;
      case 'email':
        if (!text) return null;
        parts.push(emailSure(v));
        break;
      case 'min':
      case 'max': {
        const bound = floatLiteral(arg);
        if (bound === null || !NUMERIC_TYPES.has(field.type)) return null;
        const op = name === 'min' ? '>=' : '<=';
        parts.push(`CASE WHEN ${number} THEN ${v}::float8 ${op} ${bound} ELSE false END`);
        break;
      }
      case 'between': {
        const [lo, hi] = Array.isArray(arg) ? (arg as unknown[]).map(floatLiteral) : [null, null];
        if (!lo || !hi || !NUMERIC_TYPES.has(field.type)) return null;
        parts.push(`CASE WHEN ${number} THEN ${v}::float8 BETWEEN ${lo} AND ${hi} ELSE false END`);
        break;
      }
      case 'min_length':
      case 'max_length': {
        if (!text || typeof arg !== 'number' || !Number.isInteger(arg)) return null;
        parts.push(`length(${v}) ${name === 'min_length' ? '>=' : '<='} ${arg}`);
        break;
      }
      case 'in': {
        if (!text || !Array.isArray(arg) || arg.length === 0) return null;
        if (!arg.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return null;
        parts.push(`${v} IN (${arg.map((x) => literal(String(x))).join(', ')})`);
        break;
      }
      default:
        return null;
    }
  }
  return parts.length === 0 ? 'true' : parts.map((p) => `(${p})`).join(' AND ');
}

/**
 * The raw stage for an importer over a plain CSV, or null when the importer needs something only the
 * JavaScript pipeline does (then every row takes that path, as for any other source).
 */
export function rawStageOf(
  definition: ImporterDefinition,
  columnTypes: Record<string, FieldType>,
  binding: HeaderBinding,
  plain: PlainCsv,
): RawStage | null {
  if (definition.geometry || definition.rows.keep_successful) return null;
  const delimiter = plain.delimiter;
  if (delimiter.length !== 1 || delimiter === '\\' || delimiter === '\n' || delimiter.charCodeAt(0) >= 0x80) {
    return null;
  }
  const headers = plain.headers;
  // One text column per header: PostgreSQL allows 1,600 columns a table; wider files go to JavaScript.
  if (headers.length > MAX_RAW_COLUMNS) return null;
  const cell = (i: number): string => `c${i + 1}`;
  const oks: string[] = [];
  const values: string[] = [];
  for (const field of definition.fields) {
    if (field.transforms.length > 0) return null;
    const type = columnTypes[field.column] ?? field.type;
    const required = field.rules.some((r) => r.name === 'required');
    const header = binding.columns[field.column] ?? null;
    const at = header === null ? -1 : headers.indexOf(header);
    if (at < 0) {
      // No such header: every value is null, which only `required` refuses.
      if (required) return null;
      values.push('NULL');
      continue;
    }
    const v = cell(at);
    const read = typed(type, v);
    const rules = rulesSure(field, v);
    if (read === null || rules === null) return null;
    // Empty cells are null; a cell that starts with a visible ASCII character is certainly not blank.
    // Anything else (leading whitespace, a non-ASCII first character) is left to JavaScript's String#trim.
    oks.push(
      `CASE WHEN ${v} IS NULL THEN ${required ? 'false' : 'true'}` +
        ` WHEN ascii(${v}) BETWEEN 33 AND 126 THEN CASE WHEN ${read.sure} THEN ${rules} ELSE false END ELSE false END`,
    );
    values.push(`CASE WHEN ${v} IS NULL THEN NULL ELSE ${read.value} END`);
  }
  const cells = headers.map((_, i) => cell(i));
  const columns = definition.fields.map((f) => ident(f.column));
  const ok = oks.length === 0 ? 'true' : oks.map((o) => `(${o})`).join(' AND ');
  const keyCells: string[] = [];
  for (const column of definition.target.key) {
    const header = binding.columns[column] ?? null;
    const at = header === null ? -1 : headers.indexOf(header);
    if (at >= 0) keyCells.push(cell(at));
  }
  const allKeys = keyCells.length === definition.target.key.length;
  const direct = directMergeOf(definition, ok, values, allKeys ? keyCells : null);
  const keyAts = allKeys ? keyCells.map((c) => Number(c.slice(1)) - 1) : [];
  return {
    headers,
    delimiter,
    direct,
    targetCopy: direct ? targetCopyOf(definition, columnTypes, binding, headers, delimiter, keyAts) : null,
    ok,
    ddl: [
      `DROP TABLE IF EXISTS ${RAW}`,
      `DROP SEQUENCE IF EXISTS ${RAW_SEQUENCE}`,
      `CREATE TEMP SEQUENCE import_raw_seq`,
      `CREATE TEMP TABLE import_raw (__row integer NOT NULL DEFAULT nextval('${RAW_SEQUENCE}')` +
        `${cells.map((c) => `, ${c} text`).join('')})`,
    ],
    drop: [`DROP TABLE IF EXISTS ${RAW}`, `DROP SEQUENCE IF EXISTS ${RAW_SEQUENCE}`],
    reset: (firstRow) => [`TRUNCATE ${RAW}`, `SELECT setval('${RAW_SEQUENCE}', ${Math.trunc(firstRow)}, false)`],
    copy: `COPY ${RAW} (${cells.join(', ')}) FROM STDIN (FORMAT csv, DELIMITER ${literal(delimiter)})`,
    classify:
      `WITH r AS MATERIALIZED (SELECT __row, ${cells.join(', ')}, ${ok} AS __ok FROM ${RAW}),` +
      ` ins AS (INSERT INTO ${STAGE} (__row${columns.map((c) => `, ${c}`).join('')})` +
      ` SELECT __row${values.map((v) => `, ${v}`).join('')} FROM r WHERE __ok)` +
      ` SELECT __row AS row_number, ${cells.join(', ')} FROM r WHERE NOT __ok ORDER BY __row`,
    rows: `SELECT __row AS row_number, ${cells.join(', ')} FROM ${RAW} WHERE __row = ANY($1::int[]) ORDER BY __row`,
  };
}

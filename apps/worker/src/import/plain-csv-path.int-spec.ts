import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileImporter, type ImporterDefinition } from '@app/importers';
import { JobKind, JobStatus, type IngestJob, type JobRepository } from '@app/jobs';
import type { Storage } from '@app/storage';
import type { DataSource } from 'typeorm';
import {
  deliverImportRun,
  startImportRunHarness,
  type ImportRunHarness,
} from '../../../../test/support/import-run-harness.js';
import { testDefinition, type FieldSpec } from '../../../../test/support/import-test-doubles.js';
import { statementsDuring } from '../../../../test/support/query-log.js';
import type { HandlerResult } from '../runtime/job-runner.service.js';
import { openRecordReader } from './readers/index.js';
import { rawStageOf } from './raw-stage.js';

// The plain-CSV path (PostgreSQL parses the rows, SQL stages the rows it can vouch for) against the
// JavaScript path over the same rows: the same file once plain, once with its header quoted (which makes
// it not plain, so every row goes through the CSV parser and the compiled importer). Everything a run
// leaves must be the same: the target table, the counters, the failed rows with their messages and data.

let harness: ImportRunHarness;
let SCHEMA: string;
let owner: string;
let dataSource: DataSource;
let jobs: JobRepository;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  const storage = {
    read: (key: string) => Promise.resolve(Readable.from([files.get(key) ?? Buffer.alloc(0)])),
    getFile: (key: string, file: string) => writeFile(file, files.get(key) ?? Buffer.alloc(0)),
  } as unknown as Storage;
  harness = await startImportRunHarness('strata-int-plain-csv', storage, (input) =>
    openRecordReader({ ...input, filename: input.filename ?? undefined }),
  );
  ({ dataSource, jobs } = harness);
  SCHEMA = harness.schema;
  owner = harness.owner;
});

afterAll(async () => {
  await harness?.stop();
});

const COLUMNS = `id bigint, code text, email text, amount numeric, qty integer CONSTRAINT qty_not_13 CHECK (qty IS NULL OR qty <> 13),
  ratio double precision, day date, flag boolean, name text, category text`;

const FIELDS: FieldSpec[] = [
  { column: 'id', type: 'bigint' },
  {
    column: 'code',
    rules: [
      { name: 'required', arg: null },
      { name: 'unique_in_file', arg: null },
    ],
  },
  { column: 'email', rules: [{ name: 'email', arg: null }] },
  { column: 'amount', type: 'numeric', rules: [{ name: 'min', arg: 0 }] },
  { column: 'qty', type: 'integer', rules: [{ name: 'between', arg: [0, 100] }] },
  { column: 'ratio', type: 'double', rules: [{ name: 'max', arg: 1e6 }] },
  { column: 'day', type: 'date' },
  { column: 'flag', type: 'boolean' },
  {
    column: 'name',
    rules: [
      { name: 'min_length', arg: 2 },
      { name: 'max_length', arg: 10 },
    ],
  },
  { column: 'category', rules: [{ name: 'in', arg: ['a', 'b', 1] }] },
];

const HEADER = 'id,code,email,amount,qty,ratio,day,flag,name,category';
const VALID = ['1', 'A1', 'a@example.org', '10.50', '5', '0.25', '2024-03-01', 'yes', 'Alpha', 'a'];

/** A row: the valid one with some cells replaced (by column name), as a CSV line. */
function row(id: number, code: string, changes: Record<string, string> = {}): string {
  const cells = HEADER.split(',').map((column, i) => changes[column] ?? VALID[i] ?? '');
  cells[0] = changes.id ?? String(id);
  cells[1] = code;
  return cells.join(',');
}

/** Values each column may hold, plain or unusual: every one is tried in a row of its own. */
const VARIANTS: Record<string, string[]> = {
  id: ['+7', '-12', '007', '9223372036854775807', '9223372036854775808', '1e3', ' 8', '12 ', ''],
  email: ['bad@x', 'ü@example.org', 'a b@example.org', 'a@b.c', 'a@.c', 'a@b.', 'a(b)@c.org', 'x@y@z.org', ''],
  amount: ['5.', '.5', '-0', '-1', '1e3', '+3.25', '0', '-0.0000001', 'NaN', '1.2.3', '.', ' 4', ''],
  qty: ['-0', '+0', '100', '101', '13', '2147483648', '1e2', '0x10', '99999', ''],
  ratio: ['-0', '1e400', '1000000', '1000000.5', '3.14159', '-2.5e-3', 'Infinity', ''],
  day: ['2024-02-29', '2023-02-29', '2024-12-31', '2024-13-01', '0000-01-01', '2024-3-01', '2024-03-01x', 'today', ''],
  flag: ['YES', 'no', 'On', 'maybe', 'T', '1', '0', ' yes', 'ja', ''],
  name: ['Zürich', '日本', 'A', '0123456789', '01234567890', '   ', ' lead', 'trail ', ''],
  category: ['b', 'c', '1', 'A', ' a', ''],
};

/**
 * The rows of `csv()` SQL vouches for: the plain valid ones, less the chunk PostgreSQL cannot read (a row
 * with too few cells). Every other row is decided by the JavaScript pipeline.
 */
const VOUCHED = 38;

/** The CSV: every variant in a row of its own, blank lines, a ragged row, a repeated key, `\.` alone. */
function csv(): string {
  const lines = [HEADER, row(1, 'A1')];
  let id = 100;
  for (const [column, values] of Object.entries(VARIANTS)) {
    for (const value of values) {
      id += 1;
      lines.push(row(id, `K${id}`, { [column]: value }));
    }
  }
  lines.push('', ',,,, ,,', row(500, '   '), row(501, ' lead code'), row(502, 'K101'));
  // A repeated key (upsert updates it), a row with too few cells, and a line PostgreSQL would read as the
  // end of its data: their chunks go through JavaScript whole, with the same outcome.
  lines.push(row(1, 'A2', { name: 'Again' }), '600,K600', '\\.', row(601, 'K601'));
  return `${lines.join('\n')}\n`;
}

async function table(): Promise<string> {
  const name = `${SCHEMA}.t_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  await dataSource.query(`CREATE TABLE ${name} (${COLUMNS})`);
  return name;
}

/** A compiled importer over `target` (FIELDS, upsert on `id`, 7 rows a chunk unless `settings` say else). */
function importer(
  target: string,
  settings: Partial<Omit<ImporterDefinition, 'fields' | 'target'>> = {},
  { fields = FIELDS, key = ['id'] }: { fields?: FieldSpec[]; key?: string[] } = {},
): string {
  const slug = `it-${randomUUID().slice(0, 8)}`;
  const [schema = '', name = ''] = target.split('.');
  harness.importers.set(
    slug,
    compileImporter(
      testDefinition({
        chunk_size: 7,
        duplicates: { strategy: 'upsert', compare: null },
        ...settings,
        slug,
        fields,
        target: { schema, table: name, create: false, key },
      }),
    ),
  );
  return slug;
}

async function run(slug: string, text: string, dryRun = false): Promise<{ job: IngestJob; result: HandlerResult }> {
  const filename = `${randomUUID()}.csv`;
  files.set(`incoming/${filename}`, Buffer.from(text, 'utf8'));
  const job = await jobs.create({
    owner,
    kind: JobKind.ImportRun,
    importer: slug,
    status: JobStatus.Queued,
    source: { type: 'storage-object', key: `incoming/${filename}` },
    params: { kind: JobKind.ImportRun, format: 'csv' },
    sourceFilename: filename,
    dryRun,
    parentId: null,
  });
  const result = await deliverImportRun(harness, job.id, { attempts: 1 });
  const done = await jobs.findById(job.id);
  if (!done || !result) throw new Error('the run did not finish');
  return { job: done, result };
}

/** What a run records of itself: its counters and its failed rows. */
async function ledger(job: IngestJob) {
  return {
    counters: {
      status: job.status,
      total: job.rowsTotal,
      processed: job.rowsProcessed,
      created: job.rowsCreated,
      updated: job.rowsUpdated,
      skipped: job.rowsSkipped,
      failed: job.rowsFailed,
    },
    rows: (await dataSource.query(
      `SELECT row_number, status, data, errors FROM ingest_rows WHERE job_id = $1 ORDER BY row_number`,
      [job.id],
    )) as unknown[],
  };
}

/** Everything a run leaves, comparable across the two paths. */
async function outcome(job: IngestJob, target: string) {
  return {
    ...(await ledger(job)),
    // Text forms, so -0 and 0, 5. and 5, are told apart as stored.
    target: (await dataSource.query(
      `SELECT id::text, code, email, amount::text, qty::text, ratio::text, day::text, flag::text, name, category
       FROM ${target} ORDER BY id, code`,
    )) as unknown[],
  };
}

/** The same file with its header's first cell quoted: not plain, so read by the JavaScript parser. */
const quotedHeader = (text: string): string => `"id"${text.slice(2)}`;

describe('the plain-CSV path (PostgreSQL reads the rows) against the JavaScript path', () => {
  it.each(['skip', 'fail', 'insert'] as const)(
    'strategy %s: the same outcome, keys repeated across chunks included',
    async (strategy) => {
      const text = csv();
      const [plainTarget, jsTarget] = [await table(), await table()];
      const duplicates = { strategy, compare: null };
      const plain = await run(importer(plainTarget, { duplicates }), text);
      const js = await run(importer(jsTarget, { duplicates }), quotedHeader(text));
      expect(await outcome(plain.job, plainTarget)).toEqual(await outcome(js.job, jsTarget));
      // The same rows are vouched for whatever the strategy (and however the two lanes interleave).
      expect(plain.result.logFields?.sql_rows).toBe(VOUCHED);
    },
  );

  it('leaves the same target, counters, failed rows and messages for every variant', async () => {
    const text = csv();
    const [plainTarget, jsTarget] = [await table(), await table()];
    const plain = await run(importer(plainTarget), text);
    const js = await run(importer(jsTarget), quotedHeader(text));

    const expected = await outcome(js.job, jsTarget);
    expect(await outcome(plain.job, plainTarget)).toEqual(expected);
    // The JavaScript run took no row through SQL; the plain run took most of them, not all.
    expect(js.result.logFields?.sql_rows).toBeUndefined();
    expect(plain.result.logFields?.sql_rows).toBe(VOUCHED);

    // The comparison is not vacuous: both runs created, updated and refused rows.
    // Updated: the repeated key 1, and 7 (`+7` then `007`).
    expect(expected.counters).toMatchObject({ status: JobStatus.CompletedWithErrors, updated: 2 });
    expect(expected.counters.created).toBeGreaterThan(40);
    expect(expected.counters.failed).toBeGreaterThan(20);
    const failures = JSON.stringify(expected.rows);
    for (const message of [
      'The email field must be a valid email address.',
      'The amount field must be at least 0.',
      'The qty field must be between 0 and 100.',
      'The day field must be a valid date (YYYY-MM-DD).',
      'The code field has a duplicate value in the file.',
      "The row violates the check constraint 'qty_not_13'.",
      'The selected category is invalid.',
    ]) {
      expect(failures).toContain(message);
    }
  });

  it('a tab-separated file takes the path too, with the same outcome', async () => {
    const text = csv().replace(/,/g, '\t');
    const [plainTarget, jsTarget] = [await table(), await table()];
    const plain = await run(importer(plainTarget), text);
    const js = await run(importer(jsTarget), quotedHeader(text));
    expect(await outcome(plain.job, plainTarget)).toEqual(await outcome(js.job, jsTarget));
    expect(plain.result.logFields?.sql_rows).toBe(VOUCHED);
  });

  it('a dry run on the plain path reports what the real run does and leaves the target empty', async () => {
    const text = csv();
    const target = await table();
    const dry = await run(importer(target), text, true);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM ${target}`)).toEqual([{ n: 0 }]);
    const realTarget = await table();
    const real = await run(importer(realTarget), text);
    const [d, r] = [await outcome(dry.job, target), await outcome(real.job, realTarget)];
    expect(d.rows).toEqual(r.rows);
    expect(d.counters).toEqual(r.counters);
    expect(Number(dry.result.logFields?.sql_rows)).toBeGreaterThan(0);
  });

  it('an importer whose steps SQL cannot mirror reads the plain file in JavaScript', async () => {
    const target = await table();
    const fields: FieldSpec[] = [
      { column: 'id', type: 'bigint' },
      { column: 'code', transforms: [{ name: 'upper', arg: null }] },
    ];
    const slug = importer(target, { duplicates: { strategy: 'insert', compare: null } }, { fields, key: [] });
    const { job, result } = await run(slug, 'id,code\n1,a\n2,b\n');
    expect(result.logFields?.sql_rows).toBeUndefined();
    expect(job.status).toBe(JobStatus.Completed);
    expect(await dataSource.query(`SELECT id::int, code FROM ${target} ORDER BY id`)).toEqual([
      { id: 1, code: 'A' },
      { id: 2, code: 'B' },
    ]);
  });
});

// The direct merge: a clean chunk (every row vouched for, no key repeated) goes from the raw stage into the
// target in one statement — plain inserts while keys are new, ON CONFLICT once a key is already there —
// and any chunk the target refuses goes the staged way. Its outcome must be the staged merge's, row for row.
describe('the direct merge of clean chunks', () => {
  const KEYED_FIELDS: FieldSpec[] = [
    { column: 'id', type: 'bigint' },
    { column: 'code', rules: [{ name: 'required', arg: null }] },
    { column: 'qty', type: 'integer' },
  ];

  /**
   * A table keyed on `id` (as `key` says), with one seeded row (id 2) and a CHECK on qty; `partitioned`:
   * by range of id, with one default partition.
   */
  async function keyedTable(key = 'PRIMARY KEY', partitioned = false): Promise<string> {
    const name = `${SCHEMA}.k_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await dataSource.query(
      `CREATE TABLE ${name} (id bigint ${key}, code text, qty integer CONSTRAINT qty_not_13 CHECK (qty <> 13))` +
        (partitioned ? ' PARTITION BY RANGE (id)' : ''),
    );
    if (partitioned) await dataSource.query(`CREATE TABLE ${name}_rest PARTITION OF ${name} DEFAULT`);
    await dataSource.query(`INSERT INTO ${name} VALUES (2, 'old', 0)`);
    return name;
  }

  // Three rows a chunk. What each chunk meets:
  const FILE = [
    'id,code,qty',
    '1,a,1\n3,c,1\n4,d,1', // new keys only: plain inserts
    '9,j,1\n10,k,13\n11,l,1', // the CHECK refuses row 10's plain insert: staged, row 10 fails alone
    '2,b,1\n5,e,1\n6,f,1', // key 2 is seeded: plain inserts fail, ON CONFLICT updates it
    '7,g,1\n7,h,2\n8,i,1', // key 7 twice: not clean, staged (the later row wins)
    '12,m,1\n+12,n,1\n13,o,1', // two spellings of 12: ON CONFLICT refuses them, staged
    '14,p,1\n15,q,1\n16,r,1', // ON CONFLICT creates all: plain inserts again next
    '2,z,5\n17,s,1\n18,t,1', // key 2 again: plain inserts fail, ON CONFLICT updates it
  ].join('\n');
  const DIRECT_CHUNKS = 4;

  const keyed = (target: string, strategy: 'upsert' | 'skip' | 'insert' = 'upsert'): string =>
    importer(target, { chunk_size: 3, duplicates: { strategy, compare: null } }, { fields: KEYED_FIELDS });
  const contents = (target: string) =>
    dataSource.query(`SELECT id::int, code, qty FROM ${target} ORDER BY id`) as Promise<unknown[]>;
  /** What a run leaves; the primary key's name (its table's) made the same for every table. */
  const left = async (job: IngestJob, target: string) => {
    const recorded = JSON.parse(JSON.stringify(await ledger(job)).replace(/k_[0-9a-f]{10}_pkey/g, 'k_pkey')) as Awaited<
      ReturnType<typeof ledger>
    >;
    return { ...recorded, target: await contents(target) };
  };

  it('upsert: merges clean chunks directly, the rest staged, with the staged outcome row for row', async () => {
    const [directTarget, jsTarget] = [await keyedTable(), await keyedTable()];
    const direct = await run(keyed(directTarget), `${FILE}\n`);
    const js = await run(keyed(jsTarget), `${quotedHeader(FILE)}\n`);

    const expected = await left(js.job, jsTarget);
    expect(await left(direct.job, directTarget)).toEqual(expected);
    // The first chunk (new keys, all vouched for) went in by COPY; the second's COPY met the CHECK.
    expect(direct.result.logFields).toMatchObject({ sql_rows: 21, direct_rows: DIRECT_CHUNKS * 3, copied_rows: 3 });

    // Exact, not only equal: the counts ON CONFLICT answered (created vs updated) and the later row of a
    // repeated key winning.
    expect(expected.counters).toMatchObject({
      status: JobStatus.CompletedWithErrors,
      processed: 21,
      created: 16,
      updated: 4,
      skipped: 0,
      failed: 1,
    });
    expect(expected.rows).toEqual([
      expect.objectContaining({
        row_number: 5,
        status: 'failed',
        errors: { message: "The row violates the check constraint 'qty_not_13'." },
      }),
    ]);
    const stored = new Map((expected.target as { id: number; code: string; qty: number }[]).map((r) => [r.id, r]));
    expect(stored.get(2)).toEqual({ id: 2, code: 'z', qty: 5 });
    expect(stored.get(7)).toEqual({ id: 7, code: 'h', qty: 2 });
    expect(stored.get(12)).toEqual({ id: 12, code: 'n', qty: 1 });
    expect(stored.has(10)).toBe(false);
    expect(stored.size).toBe(17);
  });

  it.each([
    // Key 2 is met twice (seeded), 7 and 12 twice in the file: skipped, or failed on the primary key.
    ['skip', { created: 16, skipped: 4, failed: 1 }],
    ['insert', { created: 16, skipped: 0, failed: 5 }],
  ] as const)('%s: the same outcome as the staged merge', async (strategy, counts) => {
    const [directTarget, jsTarget] = [await keyedTable(), await keyedTable()];
    const direct = await run(keyed(directTarget, strategy), `${FILE}\n`);
    const js = await run(keyed(jsTarget, strategy), `${quotedHeader(FILE)}\n`);
    const expected = await left(js.job, jsTarget);
    expect(await left(direct.job, directTarget)).toEqual(expected);
    expect(Number(direct.result.logFields?.direct_rows)).toBeGreaterThan(0);
    expect(expected.counters).toMatchObject(counts);
  });

  it.each([
    ['no unique index on the key', '', false],
    ['a deferrable primary key (ON CONFLICT cannot use it)', 'PRIMARY KEY DEFERRABLE INITIALLY DEFERRED', false],
    ['a partitioned table', 'PRIMARY KEY', true],
  ])('%s: every chunk is staged, with the same outcome', async (_, key, partitioned) => {
    const [plainTarget, jsTarget] = [await keyedTable(key, partitioned), await keyedTable(key, partitioned)];
    const plain = await run(keyed(plainTarget), `${FILE}\n`);
    const js = await run(keyed(jsTarget), `${quotedHeader(FILE)}\n`);
    expect(plain.job.status).not.toBe(JobStatus.Failed);
    expect(await left(plain.job, plainTarget)).toEqual(await left(js.job, jsTarget));
    expect(plain.result.logFields).toMatchObject({ sql_rows: 21, direct_rows: 0 });
  });

  it('a load of new keys goes in by COPY, chunk after chunk, with the staged outcome', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${100 + i},c${i},${i % 5}`);
    const text = `id,code,qty\n${rows.join('\n')}\n`;
    const [copyTarget, jsTarget] = [await keyedTable(), await keyedTable()];
    const copied = await run(keyed(copyTarget), text);
    const js = await run(keyed(jsTarget), quotedHeader(text));
    expect(await left(copied.job, copyTarget)).toEqual(await left(js.job, jsTarget));
    // Every chunk but the first is copied while the chunk before may still write (their keys differ).
    expect(copied.result.logFields).toMatchObject({
      sql_rows: 12,
      direct_rows: 12,
      copied_rows: 12,
      overlapped_rows: 9,
    });
    expect(copied.job.rowsCreated).toBe(12);
  });

  it('a copied chunk costs three statements besides its COPY, and no cancel check of its own', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${100 + i},c${i},${i % 5}`);
    const target = await keyedTable();
    const slug = keyed(target);
    let done: Awaited<ReturnType<typeof run>> | undefined;
    const runners = await statementsDuring(dataSource, async () => {
      done = await run(slug, `id,code,qty\n${rows.join('\n')}\n`);
    });
    expect(done?.result.logFields).toMatchObject({ copied_rows: 12 });
    const sent = runners.flat();
    // Each of the 4 chunks: its transaction, one statement for the counters and the ledger row, its commit
    // (the COPY goes by the copy protocol, not through `query`). No savepoint around a chunk's first COPY.
    const bookkeeping = sent.filter((q) => /^WITH held AS \( UPDATE ingest_jobs .* INSERT INTO import_chunks/.test(q));
    expect(bookkeeping).toHaveLength(4);
    expect(sent.filter((q) => q.startsWith('INSERT INTO import_chunks'))).toEqual([]);
    expect(sent.filter((q) => q.includes('SAVEPOINT'))).toEqual([]);
    const lanes = runners.filter((r) => r.some((q) => bookkeeping.includes(q)));
    expect(lanes).toHaveLength(2);
    for (const lane of lanes) {
      const first = lane.indexOf('START TRANSACTION');
      const last = lane.lastIndexOf('COMMIT');
      expect(lane.slice(first, last + 1).join('\n')).toMatch(/^(START TRANSACTION\nWITH held AS [^\n]*\nCOMMIT\n?)+$/);
      // The lane's session is set up in one round trip before its chunks, and given back in one after.
      expect(lane.slice(first - 1, first)).toEqual([
        expect.stringMatching(/^SET synchronous_commit = off;.*CREATE TEMP TABLE import_stage/),
      ]);
      expect(lane.slice(last + 1)).toEqual([
        expect.stringMatching(/^DROP TABLE IF EXISTS pg_temp\.import_stage;.*RESET synchronous_commit$/),
      ]);
    }
    // The commit's fence answers a cancel: the job's row is read once, by this test, never per chunk.
    expect(sent.filter((q) => q.includes('FROM "ingest_jobs" "IngestJob"'))).toHaveLength(1);
  });

  it.each([
    [
      'a trigger of its own',
      (t: string) => [
        `CREATE FUNCTION ${t}_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
        `CREATE TRIGGER noop BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION ${t}_noop()`,
      ],
    ],
    ['a unique index on another column', (t: string) => [`CREATE UNIQUE INDEX ON ${t} (code)`]],
    [
      'an exclusion constraint',
      (t: string) => [`ALTER TABLE ${t} ADD EXCLUDE USING btree (qty WITH =) WHERE (qty > 100)`],
    ],
    ['a unique index over the key and more', (t: string) => [`CREATE UNIQUE INDEX ON ${t} (id, qty)`]],
    [
      'a key with a non-deterministic collation',
      (t: string) => [
        `CREATE COLLATION IF NOT EXISTS ${SCHEMA}.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
        `ALTER TABLE ${t} ALTER COLUMN code SET DATA TYPE text COLLATE ${SCHEMA}.nocase`,
        `ALTER TABLE ${t} DROP CONSTRAINT ${t.split('.')[1]}_pkey`,
        `ALTER TABLE ${t} ADD UNIQUE (code)`,
      ],
      'code',
    ],
  ])('a target with %s: chunks are copied one after the other, never at once', async (_what, ddl, key = 'id') => {
    const target = await keyedTable();
    for (const statement of ddl(target)) await dataSource.query(statement);
    const rows = Array.from({ length: 12 }, (_, i) => `${100 + i},c${i},${i % 5}`);
    const slug = importer(
      target,
      { chunk_size: 3, duplicates: { strategy: 'upsert', compare: null } },
      {
        fields: KEYED_FIELDS,
        key: [key],
      },
    );
    const { job, result } = await run(slug, `id,code,qty\n${rows.join('\n')}\n`);
    expect(job.status).toBe(JobStatus.Completed);
    expect(result.logFields).toMatchObject({ copied_rows: 12, overlapped_rows: 0 });
    expect(await contents(target)).toHaveLength(13);
  });

  it('large chunks whose keys differ are copied at once; a chunk that shares a key waits', async () => {
    // 6 chunks of 20,000 rows; chunks 2 and 4 begin with the last key of the chunk before (a repeat the
    // upsert updates). Copied at once, the later chunk could take that key first and the earlier one wait
    // for it inside PostgreSQL while the later one waits in the worker for the earlier one's commit: a
    // deadlock PostgreSQL cannot see (the run would hang).
    const size = 20_000;
    const lines: string[] = [];
    for (let chunk = 0; chunk < 6; chunk += 1) {
      for (let i = 0; i < size; i += 1) {
        const id = chunk === 2 || chunk === 4 ? (i === 0 ? chunk * size : chunk * size + i) : chunk * size + i + 1;
        lines.push(`${1000 + id},c${id},${id % 7}`);
      }
    }
    const target = await keyedTable();
    const slug = importer(
      target,
      { chunk_size: size, duplicates: { strategy: 'upsert', compare: null } },
      {
        fields: KEYED_FIELDS,
      },
    );
    const { job, result } = await run(slug, `id,code,qty\n${lines.join('\n')}\n`);
    expect(job.status).toBe(JobStatus.Completed);
    expect(job.rowsProcessed).toBe(6 * size);
    expect(job.rowsUpdated).toBe(2);
    expect(job.rowsCreated).toBe(6 * size - 2);
    // Chunk 1 was copied while chunk 0 was (keys apart). Chunk 2 met chunk 1's last key: it waited for
    // chunk 1, its COPY met the stored key and the chunk was merged; COPY comes back once a chunk creates
    // every row (when, depends on which chunks were staged meanwhile).
    const logged = result.logFields as { copied_rows: number; overlapped_rows: number };
    expect(logged.copied_rows).toBeGreaterThanOrEqual(2 * size);
    expect(logged.overlapped_rows).toBeGreaterThanOrEqual(size);
    expect(logged.overlapped_rows).toBeLessThan(logged.copied_rows);
    const counted = (await dataSource.query(`SELECT count(*)::int AS n FROM ${target}`)) as { n: number }[];
    expect(counted).toEqual([{ n: 6 * size - 2 + 1 }]);
  }, 60_000);

  it('a target column COPY would read otherwise than the cast (text for an integer field): no COPY', async () => {
    const target = `${SCHEMA}.k_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await dataSource.query(`CREATE TABLE ${target} (id bigint PRIMARY KEY, code text, qty text)`);
    const { job, result } = await run(keyed(target), 'id,code,qty\n1,a,+5\n2,b,007\n');
    expect(job.status).toBe(JobStatus.Completed);
    // The SQL path's cast: +5 and 007 read as integers, stored as their text. COPY would have kept '+5'.
    expect(await dataSource.query(`SELECT id::int, qty FROM ${target} ORDER BY id`)).toEqual([
      { id: 1, qty: '5' },
      { id: 2, qty: '7' },
    ]);
    expect(result.logFields).toMatchObject({ direct_rows: 2, copied_rows: 0 });
  });

  it('a target under forced row-level security (COPY FROM refuses it): no COPY, the rows inserted', async () => {
    const target = await keyedTable();
    await dataSource.query(`ALTER TABLE ${target} ENABLE ROW LEVEL SECURITY`);
    await dataSource.query(`ALTER TABLE ${target} FORCE ROW LEVEL SECURITY`);
    await dataSource.query(`CREATE POLICY everything ON ${target} USING (true) WITH CHECK (true)`);
    const { job, result } = await run(keyed(target), 'id,code,qty\n1,a,1\n3,c,1\n4,d,1\n');
    expect(job.status).toBe(JobStatus.Completed);
    expect(await contents(target)).toHaveLength(4);
    expect(result.logFields).toMatchObject({ direct_rows: 3, copied_rows: 0 });
  });

  it('COPY gets the values the SQL path writes: -0 as 0, ja and nein as booleans, a missing column null', async () => {
    const create = async () => {
      const name = `${SCHEMA}.k_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
      await dataSource.query(
        `CREATE TABLE ${name} (id bigint PRIMARY KEY, ratio double precision, flag boolean, extra text DEFAULT 'dflt')`,
      );
      return name;
    };
    const fields: FieldSpec[] = [
      { column: 'id', type: 'bigint' },
      { column: 'ratio', type: 'double' },
      { column: 'flag', type: 'boolean' },
      { column: 'extra' },
    ];
    // The file's columns in another order than the fields', and no `extra` column.
    const text = 'flag,ratio,id\nja,-0,1\nNein,-0.00,2\nYES,2.5,3\n,,4\nj,1,5\n';
    const [copyTarget, jsTarget] = [await create(), await create()];
    const slug = (target: string) =>
      importer(target, { chunk_size: 3, duplicates: { strategy: 'upsert', compare: null } }, { fields });
    const copied = await run(slug(copyTarget), text);
    await run(slug(jsTarget), `"flag"${text.slice(4)}`);
    const stored = (target: string) =>
      dataSource.query(`SELECT id::int, ratio::text, flag, extra FROM ${target} ORDER BY id`) as Promise<unknown[]>;
    expect(await stored(copyTarget)).toEqual(await stored(jsTarget));
    expect(await stored(copyTarget)).toEqual([
      { id: 1, ratio: '0', flag: true, extra: null },
      { id: 2, ratio: '0', flag: false, extra: null },
      { id: 3, ratio: '2.5', flag: true, extra: null },
      { id: 4, ratio: null, flag: null, extra: null },
      { id: 5, ratio: '1', flag: true, extra: null },
    ]);
    expect(copied.result.logFields).toMatchObject({ copied_rows: 5 });
  });

  it('a dry run merges directly too, reports what the real run does and leaves the target as it was', async () => {
    const [dryTarget, realTarget] = [await keyedTable(), await keyedTable()];
    const dry = await run(keyed(dryTarget), `${FILE}\n`, true);
    const real = await run(keyed(realTarget), `${FILE}\n`);
    expect(await contents(dryTarget)).toEqual([{ id: 2, code: 'old', qty: 0 }]);
    const [d, r] = [await ledger(dry.job), await ledger(real.job)];
    expect(d.counters).toEqual(r.counters);
    expect(d.rows).toEqual(r.rows);
    expect(dry.result.logFields?.direct_rows).toBe(DIRECT_CHUNKS * 3);
  });
});

// The worker's own checks (raw-vouch.ts) against the raw stage's SQL (`ok`) over every variant: a row the
// worker vouches for goes into the target with one COPY, so it must be one SQL vouches for too, with the
// same values.
describe("the worker's checks against the raw stage's SQL", () => {
  const fields = FIELDS.map((f) =>
    f.column === 'code' ? { ...f, rules: (f.rules ?? []).filter((r) => r.name !== 'unique_in_file') } : f,
  );

  it('vouch for exactly the rows SQL vouches for', async () => {
    const definition = testDefinition({
      fields,
      duplicates: { strategy: 'insert', compare: null },
      target: { schema: 'public', table: 'x', create: false, key: [] },
    });
    const compiled = compileImporter(definition);
    const headers = HEADER.split(',');
    const raw = rawStageOf(definition, compiled.columnTypes, compiled.bind(headers), {
      path: '/unused.csv',
      delimiter: ',',
      headerRow: 1,
      headers,
    });
    const copy = raw?.targetCopy;
    if (!raw || !copy) throw new Error('the importer takes the COPY');
    // Every variant row of the file that has all its cells.
    const lines = csv()
      .split('\n')
      .slice(1)
      .filter((line) => line.split(',').length === headers.length && !/^[\s,]*$/.test(line));
    expect(lines.length).toBeGreaterThan(70);

    const q = dataSource.createQueryRunner();
    await q.connect();
    try {
      for (const statement of raw.ddl) await q.query(statement);
      for (const line of lines) {
        const cells = line.split(',').map((cell) => (cell === '' ? null : cell));
        await q.query(
          `INSERT INTO pg_temp.import_raw (${headers.map((_, i) => `c${i + 1}`).join(', ')}) VALUES (${headers.map((_, i) => `$${i + 1}`).join(', ')})`,
          cells,
        );
      }
      const sql = (await q.query(`SELECT (${raw.ok}) AS ok FROM pg_temp.import_raw ORDER BY __row`)) as {
        ok: boolean;
      }[];
      const worker: boolean[] = [];
      for (const line of lines) {
        worker.push((await copy.vouch({ index: 0, firstRow: 1, rows: 1, bytes: Buffer.from(`${line}\n`) })) !== null);
      }
      expect(worker).toEqual(sql.map((r) => r.ok));
      // Not vacuous: both kinds are there.
      expect(worker.filter(Boolean).length).toBeGreaterThan(20);
      expect(worker.filter((ok) => !ok).length).toBeGreaterThan(30);
    } finally {
      for (const statement of raw.drop) await q.query(statement).catch(() => undefined);
      await q.release();
    }
  });
});

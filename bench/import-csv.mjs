// Importer-run throughput and worker memory versus `psql \copy` (issue 10).
//
// Input: a CSV of --rows rows (default 1,000,000) and 8 columns (id, code, name, email, amount, quantity,
// created_on, category), generated once per run with seeded pseudo-random values, so every run loads the
// same data. An importer in a scratch IMPORTERS_DIR maps it onto an equivalent table with 3 rules
// (code required, email email, amount min 0) and `upsert` on `id`, 5,000 rows per chunk.
// What it measures, --runs times (default 3), alternating which side goes first:
//   Strata  POST /api/v1/ingest/upload/bench (multipart, streamed from disk) → poll GET /api/jobs/{id}
//           every 100 ms until terminal: "total" is upload start → completed (what a client waits for:
//           upload, queue, download to the worker, the counting pass, parse, transforms and rules, COPY
//           into staging, the upsert merge, the ledger). The worker's RSS and its children's are
//           sampled every 50 ms.
//   psql    \copy bench_<pid>.copy_<run> FROM '<file>' CSV HEADER, into a table with the same columns,
//           types and primary key (no rules, no upsert: the raw tool's best case).
//   floor   the same result as Strata's with no client work at all: psql \copy into an unlogged staging
//           table, then one INSERT … ON CONFLICT DO UPDATE into the keyed target — what the upsert itself
//           costs the database, so how close to `psql \copy` any upsert can come on this machine.
// With --quote-header the CSV's header starts `"id"`: the file is not plain, so the worker parses every
// row in JavaScript (the path every non-plain file takes); without it PostgreSQL reads the rows.
// Reported: medians of rows/s for both and the ratio Strata/psql (goal >= 0.5), the highest peak RSS.
// With --rss-rows N (e.g. 10000000) it then runs one Strata import of N rows and reports the worker's
// peak RSS (goal < 256 MiB for 10,000,000 rows).
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (the dev ones; DATABASE_URL / REDIS_URL
// override), psql on PATH. Run:
//   node bench/import-csv.mjs                                  # 1,000,000 rows, 3 runs
//   node bench/import-csv.mjs --rows 200000 --runs 1 --rss-rows 10000000
// Everything it creates is removed at the end, also on failure: processes, .tmp/bench-import-csv-<pid>,
// the scratch schema bench_<pid>, the job and token rows of owner bench-<pid>, the queue keys.
import { execFile } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  MiB,
  alternate,
  defaults,
  makeWorkDir,
  median,
  onCleanup,
  printHeader,
  printTable,
  prepareIngest,
  quoteIdent,
  runBench,
  sampleTreeRss,
  seconds as s,
  snapshotGateway,
  snapshotWorker,
  startIngestServices,
  workerFinished,
  timed,
  uploadFile,
  verdict,
  waitForJob,
  withDatabase,
} from './support.mjs';

const execFileAsync = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'rss-rows': { type: 'string', default: '0' },
    // The header's first cell quoted: the file is then not "plain" (docs/importers.md), so the worker
    // parses every row in JavaScript, as before the plain-CSV path; for comparing the two paths.
    'quote-header': { type: 'boolean', default: false },
  },
});
const quoteHeader = args['quote-header'];
const rowCount = Number(args.rows);
const runs = Number(args.runs);
const rssRows = Number(args['rss-rows']);
if (![rowCount, runs].every((n) => Number.isInteger(n) && n > 0) || !Number.isInteger(rssRows) || rssRows < 0) {
  throw new Error('--rows and --runs take positive integers, --rss-rows a non-negative one');
}

const schema = `bench_${process.pid}`;
const GOAL = 0.5;
const RSS_GOAL = 256 * MiB;
const FLOOR_SET = ['code', 'name', 'email', 'amount', 'quantity', 'created_on', 'category']
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');
const COLUMNS = `id bigint PRIMARY KEY, code text NOT NULL, name text, email text, amount numeric, quantity integer,
  created_on date, category text`;

await runBench(async () => {
  const work = await makeWorkDir('import-csv');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  printHeader('import-csv', `build of ${build}; ${await toolVersions()}`);
  console.log(
    `${rowCount.toLocaleString('en')} rows × 8 columns; ${runs} run(s), alternating order` +
      `${quoteHeader ? '; header quoted (the JavaScript path)' : ''}\n`,
  );

  const importers = join(work, 'importers');
  await mkdir(importers, { recursive: true });
  await writeFile(
    join(importers, 'bench.yaml'),
    `title: Benchmark rows
source: {type: upload, formats: [csv], max_size_bytes: ${64 * 1024 * MiB}}
target: {table: ${schema}.target, key: [id]}
fields:
  id: {type: bigint}
  code: {rules: [required]}
  name: {}
  email: {rules: [email]}
  amount: {type: numeric, rules: [{min: 0}]}
  quantity: {type: integer}
  created_on: {type: date}
  category: {}
duplicates: {strategy: upsert}
chunk_size: 5000
`,
  );

  const prepared = await prepareIngest(work);
  const env = { ...prepared.env, IMPORTERS_DIR: importers };
  const { token, db } = prepared;
  await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  onCleanup(`drop schema ${schema}`, () => db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
  await db.query(`CREATE TABLE ${quoteIdent(schema)}.target (${COLUMNS})`);

  const csv = join(work, 'rows.csv');
  process.stdout.write('generating CSV… ');
  const generated = await timed(() => generateCsv(csv, rowCount));
  const csvBytes = statSync(csv).size;
  console.log(`${(csvBytes / MiB).toFixed(1)} MiB in ${(generated.ms / 1000).toFixed(1)} s`);

  const { gateway, worker } = await startIngestServices(work, env, token);

  const strataRuns = [];
  const copyRuns = [];
  const strata = async (run) => {
    await db.query(`TRUNCATE ${quoteIdent(schema)}.target`);
    const measured = await importRun(gateway, worker, token, csv, rowCount);
    strataRuns.push(measured);
    console.log(
      `[strata] run ${run}: upload→completed ${s(measured.ms)}${measured.split} (${rate(rowCount, measured.ms)} rows/s), ` +
        `peak RSS worker ${mib(measured.rss.parent)}, child ${mib(measured.rss.children)}, sum ${mib(measured.rss.total)}` +
        measured.heap +
        measured.sql,
    );
  };
  const copy = async (run) => {
    const table = `${quoteIdent(schema)}.${quoteIdent(`copy_${run}`)}`;
    await db.query(`CREATE TABLE ${table} (${COLUMNS})`);
    const result = await timed(() =>
      execFileAsync('psql', [
        defaults.databaseUrl,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy ${table} FROM '${csv}' CSV HEADER`,
      ]),
    );
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
    if (rows[0].n !== rowCount) throw new Error(`psql loaded ${rows[0].n} rows`);
    await db.query(`DROP TABLE ${table}`);
    copyRuns.push(result.ms);
    console.log(`[psql  ] run ${run}: \\copy ${s(result.ms)} (${rate(rowCount, result.ms)} rows/s)`);
  };
  // The database's own floor for the same result without any client work: psql \copy into an unlogged
  // staging table, then one INSERT … ON CONFLICT into the keyed target (what an upsert must cost at least).
  const floorRuns = [];
  const floor = async (run) => {
    const target = `${quoteIdent(schema)}.${quoteIdent(`floor_${run}`)}`;
    const stage = `${quoteIdent(schema)}.${quoteIdent(`floor_stage_${run}`)}`;
    await db.query(`CREATE TABLE ${target} (${COLUMNS})`);
    await db.query(`CREATE UNLOGGED TABLE ${stage} (${COLUMNS.replace(' PRIMARY KEY', '')})`);
    const result = await timed(() =>
      execFileAsync('psql', [
        defaults.databaseUrl,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy ${stage} FROM '${csv}' CSV HEADER`,
        '-c',
        `INSERT INTO ${target} SELECT * FROM ${stage} ON CONFLICT (id) DO UPDATE SET ${FLOOR_SET}`,
      ]),
    );
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${target}`);
    if (rows[0].n !== rowCount) throw new Error(`the floor loaded ${rows[0].n} rows`);
    await db.query(`DROP TABLE ${target}, ${stage}`);
    floorRuns.push(result.ms);
    console.log(`[floor ] run ${run}: \\copy + upsert ${s(result.ms)} (${rate(rowCount, result.ms)} rows/s)`);
  };
  await alternate(runs, strata, copy, floor);

  const strataMs = median(strataRuns.map((r) => r.ms));
  const copyMs = median(copyRuns);
  const floorMs = median(floorRuns);
  const ratio = copyMs / strataMs;
  const peak = Math.max(...strataRuns.map((r) => r.rss.total));
  console.log('');
  const table = (rows) => printTable(Object.keys(rows[0]), rows);
  table([
    {
      '': 'Strata upload → completed',
      'median time': s(strataMs),
      'rows/s': rate(rowCount, strataMs),
      'ratio to psql \\copy': ratio.toFixed(2),
      goal: `≥ ${GOAL} ${verdict(ratio >= GOAL)}`,
      'peak RSS (worker + children)': mib(peak),
    },
    { '': 'psql \\copy', 'median time': s(copyMs), 'rows/s': rate(rowCount, copyMs), 'ratio to psql \\copy': '1.00' },
    {
      '': 'SQL floor: \\copy to staging + INSERT … ON CONFLICT',
      'median time': s(floorMs),
      'rows/s': rate(rowCount, floorMs),
      'ratio to psql \\copy': (copyMs / floorMs).toFixed(2),
    },
  ]);

  if (rssRows > 0) {
    const big = join(work, 'rows-large.csv');
    process.stdout.write(`\ngenerating ${rssRows.toLocaleString('en')}-row CSV… `);
    await generateCsv(big, rssRows);
    console.log(`${(statSync(big).size / MiB).toFixed(0)} MiB`);
    await db.query(`TRUNCATE ${quoteIdent(schema)}.target`);
    const measured = await importRun(gateway, worker, token, big, rssRows);
    await rm(big, { force: true });
    table([
      {
        rows: rssRows.toLocaleString('en'),
        'upload → completed': s(measured.ms),
        'rows/s': rate(rssRows, measured.ms),
        'worker peak RSS': mib(measured.rss.parent),
        'worker + children': mib(measured.rss.total),
        'heap collections': measured.heap.replace(/^, /, '') || '–',
        goal: `< 256 MiB ${verdict(measured.rss.total < RSS_GOAL)}`,
      },
    ]);
  }
});

/** One upload → terminal run; throws unless it completed with every row in the target. */
async function importRun(gateway, worker, token, path, rows) {
  const sampler = sampleTreeRss(worker.pid, 50);
  try {
    const t0 = process.hrtime.bigint();
    const started = Date.now();
    const res = await uploadFile(`${gateway.baseUrl}/api/v1/ingest/upload/bench`, token, path, 'rows.csv');
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${res.text}`);
    const uploadMs = Date.now() - started;
    const { data } = JSON.parse(res.text);
    const { job } = await waitForJob(gateway.baseUrl, token, data.id, { t0, intervalMs: 100 });
    if (job.status !== 'completed' || job.rows_processed !== rows)
      throw new Error(`run ended ${job.status} after ${job.rows_processed} rows: ${JSON.stringify(job.error)}`);
    const finished = await workerFinished(worker, data.id);
    return {
      ms: Date.now() - started,
      rss: sampler.stop(),
      heap: heapNote(finished),
      sql: sqlNote(finished),
      split: splitNote(uploadMs, finished),
    };
  } finally {
    sampler.stop();
  }
}

/** Where the time went: the upload (until its 202), then the worker's steps (its `job finished` line). */
function splitNote(uploadMs, finished) {
  const steps = finished?.steps_ms ?? {};
  const step = (name) => (steps[name] === undefined ? '' : `, ${name} ${s(steps[name])}`);
  return ` (upload ${s(uploadMs)}${step('reading')}${step('loading')})`;
}

/** The worker's governed heap collections of a run (its `job finished` line), for the run's line. */
function heapNote(finished) {
  if (finished?.heap_collections === undefined) return '';
  return `, ${finished.heap_collections} heap collections (${(finished.heap_collect_ms / 1000).toFixed(2)} s)`;
}

/** The rows PostgreSQL staged alone (the plain-CSV path; the `job finished` line's `sql_rows`). */
function sqlNote(finished) {
  return finished?.sql_rows === undefined
    ? ', no rows staged in SQL'
    : `, ${finished.sql_rows.toLocaleString('en')} rows staged in SQL`;
}

async function generateCsv(path, rows) {
  const out = createWriteStream(path);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const categories = ['alpha', 'beta', 'gamma', 'delta'];
  out.write(`${quoteHeader ? '"id"' : 'id'},code,name,email,amount,quantity,created_on,category\n`);
  let buffer = '';
  for (let i = 1; i <= rows; i += 1) {
    const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
    buffer +=
      `${i},C${i.toString(36).toUpperCase()},Item ${i},user${i}@example.org,${(random() * 1000).toFixed(2)},` +
      `${Math.floor(random() * 100)},2024-03-${day},${categories[i % 4]}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

async function toolVersions() {
  const psql = await execFileAsync('psql', ['--version']).then((r) => r.stdout.trim());
  const { rows } = await withDatabase(defaults.databaseUrl, (client) =>
    client.query(`SELECT current_setting('server_version') AS pg`),
  );
  return `${psql}, PostgreSQL server ${rows[0].pg}`;
}

function mib(bytes) {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}
function rate(rows, ms) {
  return Math.round(rows / (ms / 1000)).toLocaleString('en');
}

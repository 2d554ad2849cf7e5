// Uploads to a gateway that has been idle, against uploads back to back (the gateway's heap tuning,
// apps/gateway/src/heap-tuning.ts; docs/operations.md).
//
// What it measures: one gateway process, a CSV of --rows rows (default 1,000,000, ~74 MB, the shape of
// bench/import-csv.mjs's file) uploaded with POST /api/v1/ingest/upload/<importer> (multipart, streamed
// from disk) --uploads times in a row, then again after each of --pauses pauses of --idle-seconds (default
// 25 s: V8 shrinks an idle heap after ~8-20 s). Per upload: first byte to the 202, the gateway's CPU time
// (utime + stime of /proc/<pid>/stat, all its threads) and its peak VmRSS (sampled every 20 ms). The
// first upload of the process (cold code, a growing heap) is shown but left out of both medians.
// The runs are not processed: no worker is started (an upload only creates a queued run).
//
// To compare builds, run it on each (it uses the built gateway of the checkout it runs in).
// Needs: `npm run build` (dist/), PostgreSQL with migrations applied and Redis (the dev ones by default,
// DATABASE_URL / REDIS_URL override). Run:
//   node bench/upload-after-idle.mjs
//   node bench/upload-after-idle.mjs --uploads 3 --pauses 2 --idle-seconds 25
// Everything it creates (the gateway, .tmp/bench-upload-idle-<pid>, the token and job rows of owner
// bench-<pid>, the queue keys) is removed at the end, also on failure or Ctrl-C.
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  MiB,
  makeWorkDir,
  median,
  prepareIngest,
  printHeader,
  printTable,
  runBench,
  sampleRss,
  sleep,
  snapshotGateway,
  startGateway,
  uploadFile,
} from './support.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    uploads: { type: 'string', default: '3' },
    pauses: { type: 'string', default: '2' },
    'idle-seconds': { type: 'string', default: '25' },
  },
});
const [rows, uploads, pauses, idleSeconds] = [args.rows, args.uploads, args.pauses, args['idle-seconds']].map(Number);
if (![rows, uploads, pauses, idleSeconds].every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error('--rows, --uploads, --pauses and --idle-seconds take positive integers');
}
const TICK_SECONDS = 0.01;

await runBench(async () => {
  const work = await makeWorkDir('upload-idle');
  const build = await snapshotGateway(work);
  printHeader('upload-after-idle', `build of ${build}`);
  const importers = join(work, 'importers');
  await mkdir(importers, { recursive: true });
  await writeFile(
    join(importers, 'bench.yaml'),
    `title: Upload benchmark
source: {type: upload, formats: [csv], max_size_bytes: ${64 * 1024 * MiB}}
target: {table: public.bench_upload_idle_unused, key: [id]}
fields:
  id: {type: bigint}
duplicates: {strategy: upsert}
`,
  );
  const prepared = await prepareIngest(work);
  const csv = join(work, 'rows.csv');
  await generateCsv(csv, rows);
  const gateway = await startGateway({ ...prepared.env, IMPORTERS_DIR: importers });
  console.log(
    `${rows.toLocaleString('en')} rows; ${uploads} uploads, then ${pauses} × (${idleSeconds} s idle, ${uploads} uploads)\n`,
  );

  const measured = [];
  const upload = async (phase) => {
    const rss = sampleRss(gateway.pid, 20);
    const cpuBefore = cpuTicks(gateway.pid);
    const started = Date.now();
    const res = await uploadFile(`${gateway.baseUrl}/api/v1/ingest/upload/bench`, prepared.token, csv, 'rows.csv');
    const ms = Date.now() - started;
    const cpu = (cpuTicks(gateway.pid) - cpuBefore) * TICK_SECONDS;
    const peak = rss.stop().peak;
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${res.text}`);
    measured.push({ phase, ms, cpu, peak });
    console.log(`[${phase}] ${ms} ms, gateway CPU ${cpu.toFixed(2)} s, peak RSS ${(peak / MiB).toFixed(0)} MiB`);
  };
  await upload('first');
  for (let i = 1; i < uploads; i += 1) await upload('back to back');
  for (let p = 0; p < pauses; p += 1) {
    await sleep(idleSeconds * 1000);
    await upload('after idle');
    for (let i = 1; i < uploads; i += 1) await upload('after idle, next');
  }

  console.log('');
  const phases = ['back to back', 'after idle', 'after idle, next'];
  printTable(
    ['uploads', 'n', 'median time', 'median gateway CPU', 'peak RSS'],
    phases.map((phase) => {
      const of = measured.filter((m) => m.phase === phase);
      return {
        uploads: phase,
        n: of.length,
        'median time': `${median(of.map((m) => m.ms)).toFixed(0)} ms`,
        'median gateway CPU': `${median(of.map((m) => m.cpu)).toFixed(2)} s`,
        'peak RSS': `${(Math.max(...of.map((m) => m.peak)) / MiB).toFixed(0)} MiB`,
      };
    }),
  );
});

/** utime + stime of a process, all its threads, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The shape of bench/import-csv.mjs's rows (seeded, so every run uploads the same bytes). */
async function generateCsv(path, count) {
  const out = createWriteStream(path);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  out.write('id,code,name,email,amount,quantity,created_on,category\n');
  let buffer = '';
  for (let i = 1; i <= count; i += 1) {
    buffer +=
      `${i},C${i.toString(36).toUpperCase()},Item ${i},user${i}@example.org,${(random() * 1000).toFixed(2)},` +
      `${Math.floor(random() * 100)},2024-03-${String(1 + Math.floor(random() * 28)).padStart(2, '0')},beta\n`;
    if (buffer.length >= MiB) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

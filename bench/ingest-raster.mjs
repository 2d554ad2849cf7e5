// Raster commit (GeoTIFF → Cloud-Optimized GeoTIFF) time and worker memory versus gdal_translate (issue 4).
//
// Input: a --size × --size (default 8000 × 8000) single-band UInt16 GeoTIFF in EPSG:32633 (10 m pixels),
// striped and uncompressed, generated once per run with gdal-async: smooth "terrain" (two sine waves) plus
// seeded noise of 0..31, so DEFLATE has something to do but cannot make the file vanish.
// What it measures, in one run, --runs times (default 3), alternating which side goes first:
//   Strata          POST /api/ingest/upload (multipart `file`, streamed from disk) → POST
//                   /api/ingest/commit/{job_id} {title} → poll GET /api/jobs/{id} every 100 ms until
//                   `completed`. "ingest" is commit request → completed: the preview the commit runs when
//                   none was made, the queue, the COG conversion in the worker's GDAL child process (with
//                   gdalinfo of source and result), the copy of the COG into storage and the publish.
//                   "total" is upload start → completed. While it runs, the worker's VmRSS and that of its
//                   children (the GDAL child, /proc/<pid>/task/<pid>/children) are sampled every 50 ms.
//   gdal_translate  gdal_translate <exactly Strata's COG options> in.tif out.tif: the options come from the
//                   worker build's own `cogTranslateArgs` (libs/gdal/src/raster-cog.ts), with the
//                   compression (DEFLATE) and overview resampling Strata picks for this file
//                   (`defaultResampling`: nearest for a single grey integer band) and OVERVIEWS=AUTO.
// Reported: medians of both times, throughput (megapixels/s), the ratio gdal time / Strata time (Strata's
// throughput relative to gdal_translate's, goal >= 0.9), and the highest RSS peaks.
//
// Needs: dist/ (`npm run build`), PostgreSQL and Redis (the dev ones; DATABASE_URL / REDIS_URL override),
// GDAL's gdal_translate on PATH. Migrations are applied with the worker build's migrate.js.
// Run:
//   node bench/ingest-raster.mjs                        # 8000 × 8000 UInt16, 3 runs
//   node bench/ingest-raster.mjs --size 4000 --runs 5
// Everything it creates is removed at the end, also on failure or Ctrl-C: gateway and worker processes,
// .tmp/bench-ingest-raster-<pid> (source, outputs, storage root with the COGs, build copies), the dataset,
// job and token rows of owner bench-<pid> (the token is revoked first), and the Redis keys of queue prefix
// strata-bench-<pid>. All traffic stays on 127.0.0.1.
import { execFile } from 'node:child_process';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import gdal from 'gdal-async';
import { Client as PgClient } from 'pg';
import {
  MiB,
  api,
  cleanupOwnerDatasets,
  cleanupOwnerRows,
  cleanupQueueKeys,
  defaults,
  dropOwnerDatasets,
  machineInfo,
  makeWorkDir,
  median,
  migrate,
  mintRevocableToken,
  onCleanup,
  printTable,
  runBench,
  runMeasured,
  sampleTreeRss,
  snapshotGateway,
  snapshotWorker,
  startGateway,
  startWorker,
  timed,
  uploadMultipart,
  waitForConsumingWorker,
  waitForJob,
  workerFile,
} from './support.mjs';

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '8000' },
    runs: { type: 'string', default: '3' },
  },
});
const size = Number(args.size);
const runs = Number(args.runs);
if (!Number.isInteger(size) || size < 16 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--size takes an integer >= 16, --runs a positive integer');
}

const owner = `bench-${process.pid}`;
const queuePrefix = `strata-bench-${process.pid}`;
const GOAL = 0.9;
const megapixels = (size * size) / 1e6;

await runBench(async () => {
  const work = await makeWorkDir('ingest-raster');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  const { cogTranslateArgs, defaultResampling } = await import(
    pathToFileURL(workerFile('libs/gdal/src/raster-cog.js')).href
  );
  const machine = machineInfo();
  const gdalVersion = await execFileAsync('gdal_translate', ['--version']).then((r) => r.stdout.trim().split(',')[0]);
  console.log(`ingest-raster: ${machine.cpus}, ${machine.memory} RAM, ${machine.os}, Node ${machine.node}`);
  console.log(`${machine.date}; build of ${build}; ${gdalVersion} (gdal-async ${gdal.version})`);
  console.log(`${size} × ${size} UInt16; ${runs} run(s), alternating order\n`);

  const storageRoot = join(work, 'storage');
  const env = {
    DATABASE_URL: defaults.databaseUrl,
    REDIS_URL: defaults.redisUrl,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_ROOT: storageRoot,
    UPLOAD_MAX_FILE_SIZE_BYTES: String(16 * 1024 * MiB),
    LOG_LEVEL: 'warn',
  };
  await migrate(env);
  cleanupOwnerRows(owner, defaults.databaseUrl);
  cleanupOwnerDatasets(owner, defaults.databaseUrl);
  cleanupQueueKeys(defaults.redisUrl, queuePrefix);
  const token = await mintRevocableToken(owner, ['upload'], env);
  const db = new PgClient({ connectionString: defaults.databaseUrl, application_name: 'strata-bench' });
  await db.connect();
  onCleanup('close bench database client', () => db.end());

  const source = join(work, 'source.tif');
  process.stdout.write('generating GeoTIFF… ');
  const generated = await timed(() => generateGeoTiff(source, size));
  const sourceBytes = (await stat(source)).size;
  console.log(`${(sourceBytes / MiB).toFixed(1)} MiB in ${(generated.ms / 1000).toFixed(1)} s`);

  const info = JSON.parse((await execFileAsync('gdalinfo', ['-json', source], { maxBuffer: 16 * MiB })).stdout);
  const gdalArgs = cogTranslateArgs({
    compression: 'DEFLATE',
    resampling: defaultResampling(info.bands),
    overviews: 'AUTO',
  });
  console.log(`gdal_translate ${gdalArgs.join(' ')} source.tif out.tif`);

  const gateway = await startGateway(env);
  // TMPDIR: the worker writes its COG to a temporary file first; keep it inside this run's directory.
  const worker = await startWorker({ ...env, TMPDIR: work });
  const warmUp = join(work, 'warm-up.geojson');
  await writeFile(
    warmUp,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [10, 50] } }],
    }),
  );
  const warmJob = await uploadMultipart(gateway.baseUrl, token, warmUp, 'warm-up.geojson', (await stat(warmUp)).size);
  await waitForConsumingWorker(gateway.baseUrl, token, warmJob.job_id, worker);
  console.log(`gateway pid ${gateway.pid}, worker pid ${worker.pid}: ready\n`);

  const strataRuns = [];
  const gdalRuns = [];

  const strata = async (run) => {
    const sampler = sampleTreeRss(worker.pid, 50);
    const measured = await strataIngest(
      gateway.baseUrl,
      token,
      source,
      sourceBytes,
      `bench ${process.pid} r${run}`,
    ).finally(() => sampler.stop());
    const rss = sampler.stop();
    const { job } = measured;
    if (job.status !== 'completed') throw new Error(`Strata job ended ${job.status}: ${JSON.stringify(job.error)}`);
    if (job.result?.converted !== true) throw new Error(`Strata did not convert: ${JSON.stringify(job.result)}`);
    const cogPath = join(storageRoot, job.result.storage_key);
    const cogBytes = (await stat(cogPath)).size;
    // The dataset row and its COG go now; job rows at the end.
    await dropOwnerDatasets(db, owner);
    await rm(cogPath, { force: true });
    await rm(join(storageRoot, 'staging', job.id), { recursive: true, force: true });
    strataRuns.push({ ...measured, rss, cogBytes });
    console.log(
      `[strata        ] run ${run}: upload ${s(measured.uploadMs)}, commit→completed ${s(measured.ingestMs)} ` +
        `(${mps(measured.ingestMs)}), upload→completed ${s(measured.totalMs)}; COG ${mib(cogBytes)}; ` +
        `peak RSS worker ${mib(rss.parent)}, child ${mib(rss.children)}, sum ${mib(rss.total)} (${rss.samples} samples)`,
    );
    console.log(`                 split: ${splitText(measured)}`);
    console.log(`                 steps: ${measured.steps.map((st) => `${st.label}@${s(st.ms)}`).join(' → ')}`);
  };

  const translate = async (run) => {
    const out = join(work, `gdal-${run}.tif`);
    const result = await runMeasured('gdal_translate', [...gdalArgs, source, out]);
    const cogBytes = (await stat(out)).size;
    await rm(out, { force: true });
    gdalRuns.push({ ms: result.ms, peak: result.peak, cogBytes });
    console.log(
      `[gdal_translate] run ${run}: ${s(result.ms)} (${mps(result.ms)}), COG ${mib(cogBytes)}, peak RSS ${mib(result.peak)}`,
    );
  };

  for (let run = 1; run <= runs; run += 1) {
    const order = run % 2 === 1 ? [strata, translate] : [translate, strata];
    for (const side of order) await side(run);
  }

  const strataMs = median(strataRuns.map((r) => r.ingestMs));
  const gdalMs = median(gdalRuns.map((r) => r.ms));
  const ratio = gdalMs / strataMs;
  console.log(
    `\n${size} × ${size} UInt16 (${megapixels.toFixed(0)} Mpx), ${(sourceBytes / MiB).toFixed(1)} MiB GeoTIFF; ` +
      `COG ${mib(median(strataRuns.map((r) => r.cogBytes)))} (Strata) / ${mib(median(gdalRuns.map((r) => r.cogBytes)))} (gdal_translate).`,
  );
  console.log('Medians of the runs; peak RSS is the highest of the runs.\n');
  printTable(
    [
      'runs',
      'Strata upload s',
      'Strata commit→completed s',
      'Strata upload→completed s',
      'gdal_translate s',
      'Strata Mpx/s',
      'gdal_translate Mpx/s',
      `ratio (≥ ${GOAL})`,
      'per-run ratios',
      'worker / child / sum peak RSS MiB',
      'gdal_translate peak RSS MiB',
    ],
    [
      {
        runs,
        'Strata upload s': (median(strataRuns.map((r) => r.uploadMs)) / 1000).toFixed(2),
        'Strata commit→completed s': (strataMs / 1000).toFixed(2),
        'Strata upload→completed s': (median(strataRuns.map((r) => r.totalMs)) / 1000).toFixed(2),
        'gdal_translate s': (gdalMs / 1000).toFixed(2),
        'Strata Mpx/s': (megapixels / (strataMs / 1000)).toFixed(1),
        'gdal_translate Mpx/s': (megapixels / (gdalMs / 1000)).toFixed(1),
        [`ratio (≥ ${GOAL})`]: `${ratio.toFixed(2)} ${ratio >= GOAL ? 'met' : 'MISSED'}`,
        'per-run ratios': strataRuns.map((r, i) => (gdalRuns[i].ms / r.ingestMs).toFixed(2)).join(', '),
        'worker / child / sum peak RSS MiB': [
          Math.max(...strataRuns.map((r) => r.rss.parent)),
          Math.max(...strataRuns.map((r) => r.rss.children)),
          Math.max(...strataRuns.map((r) => r.rss.total)),
        ]
          .map((b) => (b / MiB).toFixed(0))
          .join(' / '),
        'gdal_translate peak RSS MiB': (Math.max(...gdalRuns.map((r) => r.peak)) / MiB).toFixed(0),
      },
    ],
  );
  console.log("\nWhere Strata's commit→completed time goes (medians, seconds; step boundaries are seen through");
  console.log("the job's progress writes, about once a second):\n");
  const phases = ['commit request', 'queue wait', 'convert (GDAL)', 'store COG + publish'];
  printTable(phases, [
    Object.fromEntries(
      phases.map((p) => {
        const seen = strataRuns.map((r) => r.split[p]).filter((v) => v !== undefined);
        return [p, seen.length > 0 ? (median(seen) / 1000).toFixed(2) : 'not seen'];
      }),
    ),
  ]);
});

/** Upload, commit and wait; times are ms. `split` attributes the commit→completed time to its phases. */
async function strataIngest(baseUrl, token, path, bytes, title) {
  const upload = await timed(() => uploadMultipart(baseUrl, token, path, 'source.tif', bytes));
  const commitStartedAt = Date.now();
  const t0 = process.hrtime.bigint();
  await api(baseUrl, token, 'POST', `/api/ingest/commit/${upload.result.job_id}`, { title });
  const commitMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { job, ms, steps } = await waitForJob(baseUrl, token, upload.result.job_id, { t0, intervalMs: 100 });
  const seen = (label) => steps.find((st) => st.label === label)?.ms;
  const startedMs = job.started_at ? Date.parse(job.started_at) - commitStartedAt : undefined;
  const converting = seen('processing/converting');
  const storing = seen('processing/storing');
  // Storing the COG and publishing the dataset row have no step between them.
  const split = {
    'commit request': commitMs,
    'queue wait': startedMs !== undefined ? Math.max(0, startedMs - commitMs) : undefined,
    'convert (GDAL)': converting !== undefined && storing !== undefined ? storing - converting : undefined,
    'store COG + publish': storing !== undefined ? ms - storing : undefined,
  };
  return { job, steps, split, uploadMs: upload.ms, commitMs, ingestMs: ms, totalMs: upload.ms + ms };
}

function splitText(measured) {
  return Object.entries(measured.split)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${s(v)}`)
    .join(', ');
}

/**
 * A striped, uncompressed UInt16 GeoTIFF in EPSG:32633, written in bands of rows: two sine waves
 * ("terrain") plus seeded noise, the same on every run.
 */
async function generateGeoTiff(path, n) {
  const ds = await gdal.drivers
    .get('GTiff')
    .createAsync(path, n, n, 1, gdal.GDT_UInt16, ['TILED=NO', 'COMPRESS=NONE', 'BIGTIFF=IF_NEEDED']);
  try {
    ds.geoTransform = [300000, 10, 0, 5800000, 0, -10];
    ds.srs = gdal.SpatialReference.fromEPSG(32633);
    const band = await ds.bands.getAsync(1);
    const rowsPerChunk = Math.max(1, Math.floor((8 * MiB) / (n * 2)));
    const buffer = new Uint16Array(n * rowsPerChunk);
    let seed = 0x5eed;
    for (let y0 = 0; y0 < n; y0 += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - y0);
      for (let r = 0; r < rows; r += 1) {
        const y = y0 + r;
        const cy = Math.cos(y / 781);
        for (let x = 0; x < n; x += 1) {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          buffer[r * n + x] = 2000 + 800 * Math.sin(x / 613) * cy + 300 * Math.sin((x + 2 * y) / 197) + (seed >>> 27);
        }
      }
      await band.pixels.writeAsync(0, y0, n, rows, buffer.subarray(0, n * rows));
    }
    await ds.flushAsync();
  } finally {
    ds.close();
  }
}

function s(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}
function mib(bytes) {
  return `${(bytes / MiB).toFixed(bytes < 100 * MiB ? 1 : 0)} MiB`;
}
function mps(ms) {
  return `${(megapixels / (ms / 1000)).toFixed(1)} Mpx/s`;
}

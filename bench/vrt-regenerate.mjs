// VRT regeneration of a 100-tile mosaic versus gdalbuildvrt on the same COGs (issue 9).
//
// Input: --tiles (default 100) adjacent 256 × 256 single-band Byte GeoTIFF tiles in EPSG:32633 (10 m pixels,
// nodata 0), generated with gdal-async, uploaded and committed through Strata, which turns each into a COG
// in its storage. A mosaic of all of them is created with POST /api/ingest/vrt/create.
// What it measures, --runs times (default 5), alternating which side goes first:
//   Strata       POST /api/ingest/vrt/{id}/regenerate → poll GET /api/datasets/{id}/vrt/status every 20 ms
//                until `ready` with the new generation: the compare-and-set staging, the queue, the worker's
//                compatibility re-check, the GDAL child (opening every source, then buildVRTAsync, then
//                gdalinfo of the result), storing the document and the publish transaction. The job's
//                result says how long the child spent opening the sources and in buildVRTAsync itself.
//   gdalbuildvrt gdalbuildvrt <Strata's arguments: buildVrtArgs of the worker build> out.vrt <the same COG files>.
// Reported: medians of both, Strata's request→ready against the 2 s goal, the buildVRTAsync share, and the
// ratio gdalbuildvrt time / Strata time. The table is printed and appended to docs/benchmarks.md.
//
// Needs: dist/ (`npm run build`), PostgreSQL and Redis (the dev ones; DATABASE_URL / REDIS_URL override),
// gdalbuildvrt on PATH. Migrations are applied with the worker build's migrate.js.
// Run:
//   npm run bench:vrt-regenerate
//   node bench/vrt-regenerate.mjs --tiles 100 --runs 5 [--no-write]
// Everything it creates is removed at the end, also on failure or Ctrl-C: gateway and worker processes,
// .tmp/bench-vrt-regenerate-<pid> (tiles, storage root, build copies), the dataset, job and token rows of
// owner bench-<pid>, and the Redis keys of queue prefix strata-bench-<pid>. All traffic stays on 127.0.0.1.
import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import gdal from 'gdal-async';
import {
  OWNER,
  REPO_ROOT,
  alternate,
  api,
  machineInfo,
  makeWorkDir,
  median,
  medianSeconds,
  onCleanup,
  prepareIngest,
  printHeader,
  printTable,
  runBench,
  runMeasured,
  seconds as s,
  sleep,
  snapshotGateway,
  snapshotWorker,
  startIngestServices,
  uploadMultipart,
  verdict,
  waitForJob,
  workerFile,
} from './support.mjs';
import { statSync } from 'node:fs';

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    tiles: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
  },
});
const tiles = Number(args.tiles);
const runs = Number(args.runs);
if (!Number.isInteger(tiles) || tiles < 2 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--tiles takes an integer >= 2, --runs a positive integer');
}

const GOAL_MS = 2000;
const TILE = 256;
const PX = 10;

await runBench(async () => {
  const work = await makeWorkDir('vrt-regenerate');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  const { buildVrtArgs } = await import(pathToFileURL(workerFile('libs/gdal/src/raster-vrt.js')).href);
  const gdalVersion = await execFileAsync('gdalinfo', ['--version']).then((r) => r.stdout.trim().split(',')[0]);
  printHeader('vrt-regenerate', `build of ${build}; ${gdalVersion} (gdal-async ${gdal.version})`);
  console.log(`${tiles} tiles of ${TILE} × ${TILE} Byte; ${runs} run(s), alternating order\n`);

  const { env, storageRoot, token, db } = await prepareIngest(work);
  // Runs before the generic dataset clean-up (last in, first out): sources cannot go while a VRT uses them.
  onCleanup('delete VRT datasets', () => db.query(`DELETE FROM datasets WHERE owner = $1 AND kind = 'vrt'`, [OWNER]));
  const { gateway } = await startIngestServices(work, env, token);
  const base = gateway.baseUrl;

  // Tiles in a grid of `columns` columns, each one a COG made by Strata.
  process.stdout.write(`ingesting ${tiles} tiles through Strata… `);
  const columns = Math.ceil(Math.sqrt(tiles));
  const ingestStarted = Date.now();
  const datasets = [];
  for (let i = 0; i < tiles; i += 1) {
    const path = join(work, `tile-${i}.tif`);
    await writeTile(
      path,
      300000 + (i % columns) * TILE * PX,
      5800000 - Math.floor(i / columns) * TILE * PX,
      1 + (i % 250),
    );
    const upload = await uploadMultipart(base, token, path, `tile-${i}.tif`, statSync(path).size);
    await api(base, token, 'POST', `/api/ingest/commit/${upload.job_id}`, { title: `tile ${i}` });
    const { job } = await waitForJob(base, token, upload.job_id, { intervalMs: 50 });
    if (job.status !== 'completed') throw new Error(`tile ${i} ended ${job.status}: ${JSON.stringify(job.error)}`);
    datasets.push(await api(base, token, 'GET', `/api/datasets/${job.dataset_id}`));
  }
  console.log(`${((Date.now() - ingestStarted) / 1000).toFixed(1)} s`);

  const created = await api(base, token, 'POST', '/api/ingest/vrt/create', {
    source_dataset_ids: datasets.map((d) => d.id),
    vrt_type: 'mosaic',
    resolution_strategy: 'finest',
    title: `bench ${process.pid}`,
  });
  const { job: createJob } = await waitForJob(base, token, created.job_id, { intervalMs: 50 });
  if (createJob.status !== 'completed') throw new Error(`VRT creation ended ${createJob.status}`);
  const vrtId = createJob.dataset_id;
  const mosaic = await api(base, token, 'GET', `/api/datasets/${vrtId}`);
  console.log(`mosaic ${vrtId}: ${mosaic.raster.width} × ${mosaic.raster.height}, ${tiles} sources\n`);

  const cogs = datasets.map((d) => join(storageRoot, d.storage_key));
  const gdalArgs = buildVrtArgs('mosaic', 'finest');
  console.log(`gdalbuildvrt ${gdalArgs.join(' ')} out.vrt <${cogs.length} COGs in Strata's storage>\n`);

  const strataRuns = [];
  const gdalRuns = [];
  let generation = 1;

  const strata = async (run) => {
    const t0 = process.hrtime.bigint();
    const res = await api(base, token, 'POST', `/api/ingest/vrt/${vrtId}/regenerate`);
    if (res.status !== 'accepted') throw new Error(`regenerate answered ${JSON.stringify(res)}`);
    const requestMs = Number(process.hrtime.bigint() - t0) / 1e6;
    generation += 1;
    let status;
    for (;;) {
      status = await api(base, token, 'GET', `/api/datasets/${vrtId}/vrt/status`);
      if (status.status !== 'regenerating' && status.generations.at(-1)?.generation === generation) break;
      await sleep(20);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (status.status !== 'ready' || status.generation !== generation) {
      throw new Error(`regeneration ended ${status.status}: ${JSON.stringify(status.error)}`);
    }
    const job = await api(base, token, 'GET', `/api/jobs/${res.job_id}`);
    const queueMs = Date.parse(job.started_at) - Date.parse(job.created_at);
    strataRuns.push({ ms, requestMs, queueMs, openMs: job.result.gdal_open_ms, buildMs: job.result.gdal_build_ms });
    console.log(
      `[strata      ] run ${run}: request→ready ${s(ms)} (request ${s(requestMs)}, queue ${s(queueMs)}, ` +
        `open sources ${s(job.result.gdal_open_ms)}, buildVRTAsync ${s(job.result.gdal_build_ms)})`,
    );
  };

  const buildvrt = async (run) => {
    const out = join(work, `gdal-${run}.vrt`);
    const result = await runMeasured('gdalbuildvrt', ['-q', ...gdalArgs, out, ...cogs]);
    gdalRuns.push({ ms: result.ms });
    console.log(`[gdalbuildvrt] run ${run}: ${s(result.ms)}`);
  };

  await alternate(runs, strata, buildvrt);

  const strataMs = median(strataRuns.map((r) => r.ms));
  const gdalMs = median(gdalRuns.map((r) => r.ms));
  const buildMs = median(strataRuns.map((r) => r.buildMs));
  const summary = {
    tiles,
    runs,
    'Strata request→ready s': (strataMs / 1000).toFixed(2),
    [`goal < ${GOAL_MS / 1000} s`]: verdict(strataMs < GOAL_MS),
    'regenerate request s': medianSeconds(strataRuns.map((r) => r.requestMs)),
    'queue wait s': medianSeconds(strataRuns.map((r) => r.queueMs)),
    'open sources s': medianSeconds(strataRuns.map((r) => r.openMs)),
    'buildVRTAsync s': (buildMs / 1000).toFixed(3),
    'buildVRTAsync share': `${((100 * buildMs) / strataMs).toFixed(1)} %`,
    'gdalbuildvrt s': (gdalMs / 1000).toFixed(2),
    'ratio gdalbuildvrt / Strata': (gdalMs / strataMs).toFixed(2),
  };
  console.log('\nMedians of the runs.\n');
  printTable(Object.keys(summary), [summary]);

  if (!args['no-write']) {
    const machine = machineInfo();
    const header = Object.keys(summary);
    const lines = [
      '',
      `### Results: VRT regeneration, ${tiles} COG tiles (build \`${build}\`, ${machine.date.slice(0, 10)})`,
      '',
      `\`node bench/vrt-regenerate.mjs --tiles ${tiles} --runs ${runs}\` on ${machine.cpus}, ${machine.memory} RAM, ` +
        `${machine.os}, Node ${machine.node}, ${gdalVersion} (gdal-async ${gdal.version}); local storage; medians.`,
      '',
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
      `| ${header.map((k) => String(summary[k])).join(' | ')} |`,
      '',
    ];
    await appendFile(join(REPO_ROOT, 'docs/benchmarks.md'), lines.join('\n'));
    console.log(`\nappended to docs/benchmarks.md (owner ${OWNER})`);
  }
});

/** A striped, uncompressed Byte tile with nodata 0 whose pixels hold `value`. */
async function writeTile(path, x0, y0, value) {
  const ds = await gdal.drivers.get('GTiff').createAsync(path, TILE, TILE, 1, gdal.GDT_Byte, ['TILED=NO']);
  try {
    ds.geoTransform = [x0, PX, 0, y0, 0, -PX];
    ds.srs = gdal.SpatialReference.fromEPSG(32633);
    const band = await ds.bands.getAsync(1);
    band.noDataValue = 0;
    await band.fillAsync(value);
    await ds.flushAsync();
  } finally {
    ds.close();
  }
}

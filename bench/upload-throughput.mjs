// Streamed-upload throughput and gateway memory (issue 3).
//
// What it measures, per storage driver and file size, in one run:
//   direct    the same file written straight to the storage the gateway uses, with no gateway:
//               local  a stream copy into a directory next to STORAGE_LOCAL_ROOT (same filesystem);
//               s3     one presigned PUT of the whole file, streamed from disk (no lib-storage here);
//                      plus "direct MPU": the file as a multipart upload with @aws-sdk/client-s3 using
//                      the gateway driver's own pattern (8 MiB parts, 2 in flight), to tell the cost of
//                      the upload pattern apart from the cost of the gateway.
//   streamed  POST /api/ingest/upload (multipart field `file`, streamed from disk, never buffered)
//             through a real gateway process, from the first byte sent to the 201.
//   RSS       the gateway's VmRSS (/proc/<pid>/status), sampled every 50 ms while it streams: the peak.
// It prints MiB/s of both, the ratio streamed/direct (goal >= 0.8) and the gateway peak RSS (goal < 200
// MiB). Every measurement is repeated `--runs` times; the table shows medians (RSS: the highest peak).
// The file is a 1 GiB `.gpkg` (SQLite magic + GeoPackage application_id, random filler): the gateway
// sniffs content against the extension and never parses further.
//
// Needs: `npm run build` (dist/), PostgreSQL with migrations applied and Redis (the dev ones by default,
// DATABASE_URL / REDIS_URL override), and for `s3` the Swift S3 test server:
//   bash test/services/swift/start.sh .tmp/swift 8083      (BENCH_S3_ENDPOINT overrides the endpoint)
// Run:
//   node bench/upload-throughput.mjs                          # 1024 MiB, local and s3, 2 runs
//   node bench/upload-throughput.mjs --size-mib 256,1024 --drivers local,s3 --runs 3
// Everything it creates (gateway process, .tmp/bench-upload-<pid>, bucket strata-bench-<pid>, the token
// and job rows of owner bench-<pid>, the Redis keys of queue prefix strata-bench-<pid>) is removed at the end, also on failure or Ctrl-C. No worker is
// needed: an upload only creates a pending job.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  MiB,
  benchEnv,
  cleanupOwnerRows,
  cleanupQueueKeys,
  createBucket,
  defaults,
  generateGeoPackage,
  inParallel,
  makeWorkDir,
  median,
  mibPerSecond,
  mintToken,
  OWNER,
  printHeader,
  printTable,
  QUEUE_PREFIX,
  readPart,
  rssBytes,
  runBench,
  s3Client,
  s3Env,
  s3Reachable,
  sampleRss,
  sendStream,
  sleep,
  snapshotGateway,
  startGateway,
  timed,
  uploadMultipart,
  verdict,
} from './support.mjs';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    drivers: { type: 'string', default: 'local,s3' },
    runs: { type: 'string', default: '2' },
  },
});
const sizesMiB = args['size-mib'].split(',').map(Number);
const drivers = args.drivers.split(',').map((d) => d.trim());
const runs = Number(args.runs);
if (sizesMiB.some((s) => !Number.isInteger(s) || s < 1) || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--size-mib takes positive integers (comma-separated), --runs a positive integer');
}
for (const d of drivers) if (d !== 'local' && d !== 's3') throw new Error(`unknown driver '${d}'`);

/** The gateway S3 driver's write() defaults (libs/storage s3.storage.ts): 8 MiB parts, 2 in flight. */
const MPU_PART_BYTES = 8 * MiB;
const MPU_IN_FLIGHT = 2;

await runBench(async () => {
  const work = await makeWorkDir('upload');
  const build = await snapshotGateway(work);
  printHeader('upload-throughput', `gateway build of ${build}`);
  console.log(`sizes ${sizesMiB.join(', ')} MiB; drivers ${drivers.join(', ')}; ${runs} run(s)\n`);
  const baseEnv = benchEnv({
    UPLOAD_MAX_FILE_SIZE_BYTES: String(Math.max(2 * 1024 * MiB, 2 * Math.max(...sizesMiB) * MiB)),
  });
  cleanupOwnerRows(OWNER, defaults.databaseUrl);
  // The gateway registers its queues (BullMQ meta keys) under this run's prefix.
  cleanupQueueKeys(defaults.redisUrl, QUEUE_PREFIX);
  const token = await mintToken(OWNER, ['upload'], baseEnv);

  const files = new Map();
  for (const sizeMiB of sizesMiB) {
    const path = join(work, `source-${sizeMiB}.gpkg`);
    process.stdout.write(`generating ${sizeMiB} MiB test file… `);
    await generateGeoPackage(path, sizeMiB * MiB);
    console.log('done');
    files.set(sizeMiB, path);
  }

  const results = [];
  for (const driver of drivers) {
    if (driver === 's3' && !(await s3Reachable())) {
      console.log(`\nskipping s3: nothing answers at ${defaults.s3.endpoint} (start test/services/swift/start.sh)`);
      continue;
    }
    const target = driver === 'local' ? await localTarget(work) : await s3Target();
    const gateway = await startGateway({ ...baseEnv, ...target.env });
    await sleep(500);
    const idleRss = rssBytes(gateway.pid) ?? 0;
    console.log(`\n[${driver}] gateway pid ${gateway.pid} ready, idle RSS ${(idleRss / MiB).toFixed(1)} MiB`);

    for (const sizeMiB of sizesMiB) {
      const path = files.get(sizeMiB);
      const bytes = (await stat(path)).size;
      const direct = [];
      const directMpu = [];
      const streamed = [];
      const peaks = [];
      for (let run = 1; run <= runs; run += 1) {
        const d = await timed(() => target.direct(path, bytes, run));
        await target.removeDirect(run);
        direct.push(mibPerSecond(bytes, d.ms));
        let mpuNote = '';
        if (target.directMultipart) {
          const m = await timed(() => target.directMultipart(path, bytes, run));
          await target.removeDirect(run);
          directMpu.push(mibPerSecond(bytes, m.ms));
          mpuNote = `, direct MPU ${(m.ms / 1000).toFixed(2)} s (${directMpu.at(-1).toFixed(0)} MiB/s)`;
        }

        const sampler = sampleRss(gateway.pid, 50);
        const s = await timed(() => uploadMultipart(gateway.baseUrl, token, path, 'bench.gpkg', bytes)).catch(
          (error) => {
            sampler.stop();
            throw error;
          },
        );
        const { peak, samples } = sampler.stop();
        await target.removeUpload(s.result.job_id);
        streamed.push(mibPerSecond(bytes, s.ms));
        peaks.push(peak);
        console.log(
          `[${driver}] ${sizeMiB} MiB run ${run}: direct ${(d.ms / 1000).toFixed(2)} s ` +
            `(${direct.at(-1).toFixed(0)} MiB/s)${mpuNote}, streamed ${(s.ms / 1000).toFixed(2)} s ` +
            `(${streamed.at(-1).toFixed(0)} MiB/s), gateway peak RSS ${(peak / MiB).toFixed(1)} MiB (${samples} samples)`,
        );
      }
      const directMedian = median(direct);
      const streamedMedian = median(streamed);
      const ratio = streamedMedian / directMedian;
      const peak = Math.max(...peaks);
      results.push({
        driver,
        'size MiB': sizeMiB,
        runs,
        'direct MiB/s': directMedian.toFixed(0),
        'direct MPU MiB/s': directMpu.length > 0 ? median(directMpu).toFixed(0) : '–',
        'streamed MiB/s': streamedMedian.toFixed(0),
        'ratio (≥ 0.8)': `${ratio.toFixed(2)} ${verdict(ratio >= 0.8)}`,
        'idle RSS MiB': (idleRss / MiB).toFixed(0),
        'peak RSS MiB (< 200)': `${(peak / MiB).toFixed(0)} ${verdict(peak < 200 * MiB)}`,
      });
    }
    await gateway.stop();
    await target.dispose();
  }

  console.log('\nMedians of the runs; peak RSS is the highest of the runs.\n');
  printTable(
    [
      'driver',
      'size MiB',
      'runs',
      'direct MiB/s',
      'direct MPU MiB/s',
      'streamed MiB/s',
      'ratio (≥ 0.8)',
      'idle RSS MiB',
      'peak RSS MiB (< 200)',
    ],
    results,
  );
});

/** Local driver: the gateway's root and a sibling directory for the direct copy, on the same filesystem. */
async function localTarget(work) {
  const root = join(work, 'storage');
  const directDir = join(work, 'direct');
  await mkdir(root, { recursive: true });
  await mkdir(directDir, { recursive: true });
  const directPath = (run) => join(directDir, `direct-${run}.gpkg`);
  return {
    env: { STORAGE_DRIVER: 'local', STORAGE_LOCAL_ROOT: root },
    direct: (path, _bytes, run) => pipeline(createReadStream(path), createWriteStream(directPath(run))),
    removeDirect: (run) => rm(directPath(run), { force: true }),
    removeUpload: (jobId) => rm(join(root, 'staging', jobId), { recursive: true, force: true }),
    dispose: async () => {
      await rm(root, { recursive: true, force: true });
      await rm(directDir, { recursive: true, force: true });
    },
  };
}

/** S3 driver against the test server: a bucket of this run, direct = one presigned PUT streamed from disk. */
async function s3Target() {
  const client = s3Client();
  const bucket = `strata-bench-${process.pid}`;
  await createBucket(client, bucket);
  const directKey = (run) => `bench-direct/direct-${run}.gpkg`;
  return {
    env: s3Env(bucket),
    direct: async (path, bytes, run) => {
      const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: directKey(run) }), {
        expiresIn: 3600,
      });
      const res = await sendStream(url, {
        method: 'PUT',
        headers: { 'content-length': String(bytes) },
        body: createReadStream(path, { highWaterMark: MiB }),
      });
      if (res.status !== 200) throw new Error(`direct PUT answered ${res.status}: ${res.text.slice(0, 300)}`);
    },
    directMultipart: async (path, bytes, run) => {
      const key = directKey(run);
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const file = await open(path, 'r');
      try {
        const partCount = Math.ceil(bytes / MPU_PART_BYTES);
        const parts = new Array(partCount);
        await inParallel(partCount, MPU_IN_FLIGHT, async (index) => {
          const start = index * MPU_PART_BYTES;
          const body = await readPart(file, start, Math.min(MPU_PART_BYTES, bytes - start));
          const out = await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId,
              PartNumber: index + 1,
              Body: body,
              ContentLength: body.length,
            }),
          );
          parts[index] = { PartNumber: index + 1, ETag: out.ETag };
        });
        await client.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
        );
      } catch (error) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => {});
        throw error;
      } finally {
        await file.close();
      }
    },
    removeDirect: (run) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: directKey(run) })),
    removeUpload: (jobId) =>
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `staging/${jobId}/bench.gpkg` })),
    // The bucket itself is emptied and deleted by the cleanup createBucket registered.
    dispose: async () => undefined,
  };
}

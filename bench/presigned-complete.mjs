// Presigned-upload completion latency (issue 3).
//
// What it measures: a client starts a presigned multipart upload of a 1000 MiB `.gpkg` through a real
// gateway (S3 driver, PRESIGNED_PART_SIZE_BYTES = 5 MiB, so 200 parts), PUTs every part to its presigned
// URL with plain fetch (4 at a time), then calls POST /api/ingest/upload/presigned/{job_id}/complete.
// The figure is that call, from request to response (goal < 2 s); the median of `--runs` fresh uploads.
// For comparison, each run also does the same work straight against S3 with no gateway on a second
// upload of the same size: CompleteMultipartUpload of its 200 parts, then CopyObject of the assembled
// object (the gateway copies it to a key no client can write) and DeleteObject of the multipart object
// (the gateway then deletes the incoming key), each timed separately.
//
// Needs: `npm run build` (dist/), PostgreSQL with migrations applied and Redis (the dev ones by default,
// DATABASE_URL / REDIS_URL override), and the Swift S3 test server:
//   bash test/services/swift/start.sh .tmp/swift 8083      (BENCH_S3_ENDPOINT overrides the endpoint)
// Run:
//   node bench/presigned-complete.mjs                        # 1000 MiB, 5 MiB parts, 3 runs
//   node bench/presigned-complete.mjs --size-mib 1000 --part-mib 5 --runs 5 --concurrency 4
// Everything it creates (gateway process, .tmp/bench-presigned-<pid>, bucket strata-bench-<pid>, the
// token and job rows of owner bench-<pid>, the Redis keys of queue prefix strata-bench-<pid>) is removed at the end, also on failure or Ctrl-C.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  MiB,
  api,
  benchEnv,
  cleanupOwnerRows,
  cleanupQueueKeys,
  createBucket,
  defaults,
  emptyPrefix,
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
  runBench,
  s3Client,
  s3Env,
  s3Reachable,
  snapshotGateway,
  startGateway,
  timed,
  verdict,
} from './support.mjs';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1000' },
    'part-mib': { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
  },
});
const sizeBytes = Number(args['size-mib']) * MiB;
const partBytes = Number(args['part-mib']) * MiB;
const runs = Number(args.runs);
const concurrency = Number(args.concurrency);
for (const [name, value] of Object.entries({ sizeBytes, partBytes, runs, concurrency })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
}

const bucket = `strata-bench-${process.pid}`;
const filename = 'bench.gpkg';

await runBench(async () => {
  if (!(await s3Reachable())) {
    throw new Error(`nothing answers at ${defaults.s3.endpoint}: bash test/services/swift/start.sh .tmp/swift 8083`);
  }
  const work = await makeWorkDir('presigned');
  const build = await snapshotGateway(work);
  printHeader('presigned-complete', `gateway build of ${build}`);

  const client = s3Client();
  await createBucket(client, bucket);
  const env = benchEnv({
    ...s3Env(bucket),
    PRESIGNED_PART_SIZE_BYTES: String(partBytes),
    PRESIGNED_THRESHOLD_BYTES: String(Math.min(100 * MiB, sizeBytes)),
    UPLOAD_MAX_FILE_SIZE_BYTES: String(Math.max(2 * 1024 * MiB, sizeBytes)),
  });
  cleanupOwnerRows(OWNER, defaults.databaseUrl);
  // The gateway registers its queues (BullMQ meta keys) under this run's prefix.
  cleanupQueueKeys(defaults.redisUrl, QUEUE_PREFIX);
  const token = await mintToken(OWNER, ['upload'], env);

  const path = join(work, 'source.gpkg');
  await generateGeoPackage(path, sizeBytes);
  const file = await open(path, 'r');
  try {
    const gateway = await startGateway(env);
    console.log(`gateway pid ${gateway.pid} ready; ${runs} run(s) of ${sizeBytes / MiB} MiB\n`);

    const rows = [];
    for (let run = 1; run <= runs; run += 1) {
      // Through the gateway, as a client would.
      const started = await api(gateway.baseUrl, token, 'POST', '/api/ingest/upload/presigned', {
        filename,
        file_size: sizeBytes,
      });
      const partSize = started.part_size ?? sizeBytes;
      const put = await timed(() => putParts(file, started.urls, partSize));
      const complete = await timed(() =>
        api(gateway.baseUrl, token, 'POST', `/api/ingest/upload/presigned/${started.job_id}/complete`, {
          parts: put.result,
        }),
      );
      if (complete.result.job_id !== started.job_id) throw new Error('complete answered for another job');
      await emptyPrefix(client, bucket, `staging/${started.job_id}/`);

      // The same work straight against S3, no gateway.
      const raw = await rawComplete(client, file, started.urls.length, partSize, run);

      rows.push({
        run,
        parts: started.urls.length,
        'part MiB': (partSize / MiB).toFixed(0),
        'PUT parts MiB/s': mibPerSecond(sizeBytes, put.ms).toFixed(0),
        'complete ms': complete.ms.toFixed(0),
        'raw complete-MPU ms': raw.completeMs.toFixed(0),
        'raw copy ms': raw.copyMs.toFixed(0),
        'raw delete ms': raw.deleteMs.toFixed(0),
      });
      console.log(
        `run ${run}: ${started.urls.length} parts PUT at ${rows.at(-1)['PUT parts MiB/s']} MiB/s; ` +
          `complete ${complete.ms.toFixed(0)} ms (raw S3: complete-MPU ${raw.completeMs.toFixed(0)} ms ` +
          `+ copy ${raw.copyMs.toFixed(0)} ms + delete ${raw.deleteMs.toFixed(0)} ms)`,
      );
    }
    await gateway.stop();

    const med = (column) => median(rows.map((r) => Number(r[column]))).toFixed(0);
    rows.push({
      run: 'median',
      parts: rows[0]?.parts,
      'part MiB': rows[0]?.['part MiB'],
      'PUT parts MiB/s': med('PUT parts MiB/s'),
      'complete ms': `${med('complete ms')} ${verdict(Number(med('complete ms')) < 2000)} (< 2000)`,
      'raw complete-MPU ms': med('raw complete-MPU ms'),
      'raw copy ms': med('raw copy ms'),
      'raw delete ms': med('raw delete ms'),
    });
    console.log('');
    printTable(
      [
        'run',
        'parts',
        'part MiB',
        'PUT parts MiB/s',
        'complete ms',
        'raw complete-MPU ms',
        'raw copy ms',
        'raw delete ms',
      ],
      rows,
    );
  } finally {
    await file.close();
  }
});

/** PUTs part i (1-based) of the file to urls[i-1], `concurrency` at a time; returns the parts list. */
async function putParts(file, urls, partSize) {
  const parts = new Array(urls.length);
  await inParallel(urls.length, concurrency, async (index) => {
    const start = index * partSize;
    const body = await readPart(file, start, Math.min(partSize, sizeBytes - start));
    const res = await fetch(urls[index], { method: 'PUT', body });
    await res.arrayBuffer();
    const etag = res.headers.get('etag');
    if (res.status !== 200 || !etag) throw new Error(`part ${index + 1} PUT answered ${res.status}`);
    parts[index] = { part_number: index + 1, etag };
  });
  return parts;
}

/** Uploads the file again as `partCount` parts with no gateway, then times completion and a server-side copy. */
async function rawComplete(client, file, partCount, partSize, run) {
  const key = `bench-raw/${run}/incoming.gpkg`;
  const copyKey = `bench-raw/${run}/frozen.gpkg`;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const urls = await Promise.all(
    Array.from({ length: partCount }, (_, i) =>
      getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1 }), {
        expiresIn: 3600,
      }),
    ),
  );
  const parts = await putParts(file, urls, partSize);
  const complete = await timed(() =>
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.part_number, ETag: p.etag })) },
      }),
    ),
  );
  const copy = await timed(() =>
    client.send(new CopyObjectCommand({ Bucket: bucket, Key: copyKey, CopySource: `${bucket}/${key}` })),
  );
  const remove = await timed(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: copyKey }));
  return { completeMs: complete.ms, copyMs: copy.ms, deleteMs: remove.ms };
}

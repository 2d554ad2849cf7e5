// HTTP load on authenticated reads (issue 13): what a bearer token costs per request.
//
// One gateway and one worker from dist/, on loopback; autocannon (in this process) as the client.
// Seeded first, under this run's owner: 10,000 finished importer runs (jobs of kind import-run) and 20
// dataset rows, so the list routes page through a realistic table.
// What it measures:
//   1. Maximum throughput, --max-seconds each (default 15), --connections connections (default 50):
//      GET /api/health/live (no token, no database) and GET /api/jobs/{id} (token check + one job read),
//      GET /api/jobs/{id} on a second gateway started with AUTH_TOKEN_CACHE_SECONDS=0 (no cache, but
//      concurrent checks of one token still share one lookup, so this is not the pre-cache code), and the
//      two list routes, in turns, twice (the second round in reverse order); the medians and the ratios to
//      liveness (goal >= 0.6 for the job read with the cache). Both gateways run throughout, so both see
//      the same machine. Phase 2 shows each read's fixed rate as a share of this ceiling.
//   2. A fixed rate of --rate req/s (default 500) for --seconds s (default 60) on each of
//      GET /api/health/live (the control: its tail is the machine's, not a route's), GET /api/jobs/{id},
//      GET /api/v1/ingest (page 1 of the 10,000 runs), GET /api/datasets, then
//      POST /api/ingest/upload of a 300-byte GeoJSON at --upload-rate req/s (default 50):
//      p50/p99 latency, 2xx rate and error rate (non-2xx, socket errors, timeouts, and requests not sent
//      because 2 s worth were still unanswered) per route.
//      Goal: p99 < 25 ms for the three reads (the job, the runs list, the datasets list).
//      This phase uses a paced open-loop client (node:http, keep-alive) rather than autocannon's
//      `overallRate`: autocannon lets each connection send its whole per-second allowance back to back at
//      the start of every second (bursts at full concurrency, not a steady rate), and its coordinated-
//      omission correction assumes a 1 ms interval at any rate. Here request i is due at i/rate s and its
//      latency counts from when it was due, so time spent waiting behind a slow response counts too.
// --token-cache-seconds N starts the (first) gateway with AUTH_TOKEN_CACHE_SECONDS=N instead of the default.
// --ceilings-only runs phase 1 alone, and --routes live,job,job-uncached,runs,datasets (a comma list) only
// those routes in it (no ratio without live). With BENCH_NODE_ARGS a gateway is profiled on one route, e.g.
//   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/load-reads.mjs --ceilings-only --routes job
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (the dev ones; DATABASE_URL / REDIS_URL
// override). Run:
//   npm run bench:load-reads
//   node bench/load-reads.mjs --seconds 20 --max-seconds 10
// Everything it creates is removed at the end, also on failure: processes, .tmp/bench-load-reads-<pid>
// (with the uploaded files), the job, dataset and token rows of owner bench-<pid>, the queue keys.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  OWNER,
  makeWorkDir,
  median,
  printHeader,
  printTable,
  prepareIngest,
  runBench,
  sleep,
  snapshotGateway,
  snapshotWorker,
  startGateway,
  startIngestServices,
  verdict,
} from './support.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'max-seconds': { type: 'string', default: '15' },
    rate: { type: 'string', default: '500' },
    'upload-rate': { type: 'string', default: '50' },
    connections: { type: 'string', default: '50' },
    'token-cache-seconds': { type: 'string' },
    'ceilings-only': { type: 'boolean', default: false },
    routes: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const maxSeconds = Number(args['max-seconds']);
const rate = Number(args.rate);
const uploadRate = Number(args['upload-rate']);
const connections = Number(args.connections);
if (![seconds, maxSeconds, rate, uploadRate, connections].every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error('--seconds, --max-seconds, --rate, --upload-rate and --connections take positive integers');
}
const cacheSeconds = args['token-cache-seconds'];
if (cacheSeconds !== undefined && !/^\d+$/.test(cacheSeconds)) throw new Error('--token-cache-seconds takes seconds');

const RATIO_GOAL = 0.6;
const P99_GOAL_MS = 25;
const SEEDED_RUNS = 10_000;
const SEEDED_DATASETS = 20;
const WARM_UP_SECONDS = 3;

/** Finished importer runs and dataset rows of OWNER (removed with the owner's rows at the end). */
async function seed(db) {
  await db.query(
    `INSERT INTO ingest_jobs (owner, status, step, progress, kind, importer, source, params, rows_total, rows_processed,
                              created_at, queued_at, started_at, completed_at)
     SELECT $1, 'completed', 'done', 1, 'import-run', 'bench-runs', '{"type":"none"}', '{"kind":"import-run","format":"csv"}',
            100, 100, t, t, t, t + interval '2 seconds'
       FROM generate_series(1, $2::int) AS g, LATERAL (SELECT now() - g * interval '1 minute' AS t) AS at`,
    [OWNER, SEEDED_RUNS],
  );
  await db.query(
    `INSERT INTO datasets (owner, kind, title, table_name, crs, geometry_type, feature_count, extent, columns)
     SELECT $1, 'vector', 'Bench dataset ' || g, 'strata_data.bench_load_' || $3::text || '_' || g, 4326, 'Point', 1000,
            '{15,45,15.5,45.2}', '[{"name":"name","type":"text"}]'
       FROM generate_series(1, $2::int) AS g`,
    [OWNER, SEEDED_DATASETS, String(process.pid)],
  );
  const { rows } = await db.query(
    `SELECT id FROM ingest_jobs WHERE owner = $1 AND kind = 'import-run' ORDER BY created_at DESC LIMIT 1`,
    [OWNER],
  );
  return rows[0].id;
}

/** A multipart body with one small GeoJSON `file` part (the same bytes every time). */
function uploadBody() {
  const boundary = `strata-load-${process.pid}`;
  const geojson = JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { name: 'load' }, geometry: { type: 'Point', coordinates: [15.1, 45.1] } },
    ],
  }).padEnd(300, ' ');
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="load.geojson"\r\n` +
    `Content-Type: application/geo+json\r\n\r\n${geojson}\r\n--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function load(baseUrl, route, options) {
  return autocannon({
    url: `${baseUrl}${route.path}`,
    method: route.method ?? 'GET',
    headers: route.headers,
    body: route.body,
    connections,
    pipelining: 1,
    duration: options.duration,
    timeout: 10,
  });
}

/**
 * One request on `agent`; resolves with its status, or 0 and what went wrong (the socket error's code,
 * `timeout`) when there is no answer.
 */
function send(agent, url, route) {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent, method: route.method ?? 'GET', headers: route.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (error) => resolve({ status: 0, failure: error.code ?? error.name }));
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (error) => resolve({ status: 0, failure: error.code ?? error.name }));
    req.end(route.body);
  });
}

/**
 * `rate` req/s for `duration` s, open loop: latency from when each request was due to its response. A
 * request due while 2 s worth of requests are still unanswered is not sent and counts as failed (`dropped`):
 * past capacity the backlog would otherwise grow without end.
 */
async function paced(baseUrl, route, rate, duration) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(`${baseUrl}${route.path}`);
  const total = rate * duration;
  const interval = 1000 / rate;
  const latencies = [];
  let failed = 0;
  let dropped = 0;
  /** Failures by kind: `HTTP <status>` or the socket error's code. */
  const kinds = new Map();
  let inFlight = 0;
  const pending = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    if (inFlight >= 2 * rate) {
      dropped += 1;
      continue;
    }
    inFlight += 1;
    pending.push(
      send(agent, url, route).then(({ status, failure }) => {
        inFlight -= 1;
        latencies.push(performance.now() - due);
        if (status < 200 || status >= 300) {
          failed += 1;
          const kind = failure ?? `HTTP ${status}`;
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  const answered = latencies.length - failed;
  return {
    total,
    failed: failed + dropped,
    dropped,
    kinds: [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', '),
    achieved: answered / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1),
  };
}

const failures = (r) => r.non2xx + r.errors + r.timeouts;

await runBench(async () => {
  const work = await makeWorkDir('load-reads');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  const { env, token, db } = await prepareIngest(work);
  const appEnv = cacheSeconds === undefined ? env : { ...env, AUTH_TOKEN_CACHE_SECONDS: cacheSeconds };
  const jobId = await seed(db);
  const { gateway } = await startIngestServices(work, appEnv, token);
  const uncached = await startGateway({ ...env, AUTH_TOKEN_CACHE_SECONDS: '0' });
  const auth = { authorization: `Bearer ${token}` };
  const live = { name: 'GET /api/health/live', path: '/api/health/live' };
  const job = { name: 'GET /api/jobs/{id}', path: `/api/jobs/${jobId}`, headers: auth };
  const runs = { name: 'GET /api/v1/ingest', path: '/api/v1/ingest', headers: auth };
  const datasets = { name: 'GET /api/datasets', path: '/api/datasets', headers: auth };
  const { body, contentType } = uploadBody();
  const upload = {
    name: 'POST /api/ingest/upload (300 B GeoJSON)',
    path: '/api/ingest/upload',
    method: 'POST',
    headers: { ...auth, 'content-type': contentType },
    body,
  };

  printHeader(
    'HTTP load, authenticated reads',
    `build ${build}; autocannon ${connections} connections on loopback; token cache ` +
      `${cacheSeconds === undefined ? 'default (15 s)' : `${cacheSeconds} s`}; ${SEEDED_RUNS} runs seeded`,
  );

  // Each route answers 2xx once before it is loaded (a wrong path would otherwise measure 404s).
  for (const route of [live, job, runs, datasets, upload]) {
    const res = await fetch(`${gateway.baseUrl}${route.path}`, {
      method: route.method ?? 'GET',
      headers: route.headers,
      body: route.body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${route.name} answered ${res.status}: ${text.slice(0, 300)}`);
  }

  console.log(`\n1. Maximum throughput (${maxSeconds} s per run, two rounds, the second in reverse order):\n`);
  const jobUncached = { ...job, name: `${job.name}, no token cache` };
  // The list routes' own ceilings (no goal): how close the fixed rate below runs each read to it.
  const allSides = [
    { key: 'live', route: live, baseUrl: gateway.baseUrl },
    { key: 'job', route: job, baseUrl: gateway.baseUrl },
    { key: 'job-uncached', route: jobUncached, baseUrl: uncached.baseUrl },
    { key: 'runs', route: runs, baseUrl: gateway.baseUrl },
    { key: 'datasets', route: datasets, baseUrl: gateway.baseUrl },
  ];
  const chosen = args.routes?.split(',') ?? allSides.map((side) => side.key);
  const unknown = chosen.filter((key) => !allSides.some((side) => side.key === key));
  if (unknown.length > 0) throw new Error(`--routes: unknown ${unknown.join(', ')}`);
  const sides = allSides.filter((side) => chosen.includes(side.key));
  const throughput = new Map(sides.map((side) => [side.route.name, []]));
  for (const side of [...sides, ...[...sides].reverse()]) {
    await load(side.baseUrl, side.route, { duration: WARM_UP_SECONDS });
    const r = await load(side.baseUrl, side.route, { duration: maxSeconds });
    if (failures(r) > 0) console.log(`  ${side.route.name}: ${failures(r)} failed requests`);
    throughput.get(side.route.name).push(r.requests.average);
    console.log(`  ${side.route.name}: ${r.requests.average.toFixed(0)} req/s (p99 ${r.latency.p99} ms)`);
  }
  const liveRps = throughput.has(live.name) ? median(throughput.get(live.name)) : undefined;
  console.log('');
  printTable(
    ['route', 'req/s (median of 2)', 'ratio to liveness', 'goal'],
    sides.map(({ route }) => {
      const rps = median(throughput.get(route.name));
      const ratio = liveRps === undefined ? undefined : rps / liveRps;
      return {
        route: route.name,
        'req/s (median of 2)': rps.toFixed(0),
        'ratio to liveness': ratio === undefined ? '' : ratio.toFixed(2),
        goal: route === job && ratio !== undefined ? `>= ${RATIO_GOAL}: ${verdict(ratio >= RATIO_GOAL)}` : '',
      };
    }),
  );
  await uncached.stop();
  if (args['ceilings-only']) return;

  console.log(`\n2. Fixed rate, ${seconds} s per route:\n`);
  const rows = [];
  for (const [route, target] of [
    // The control: no token, no database. What its tail shows is the machine's, not a route's.
    [live, rate],
    [job, rate],
    [runs, rate],
    [datasets, rate],
    [upload, uploadRate],
  ]) {
    await paced(gateway.baseUrl, route, target, WARM_UP_SECONDS);
    await sleep(500);
    const r = await paced(gateway.baseUrl, route, target, seconds);
    const ceiling = throughput.has(route.name) ? median(throughput.get(route.name)) : undefined;
    const row = {
      route: route.name,
      'target req/s': String(target),
      'of ceiling': ceiling ? `${Math.round((target / ceiling) * 100)} %` : '',
      '2xx req/s': r.achieved.toFixed(0),
      'p50 ms': r.p50.toFixed(1),
      'p99 ms': r.p99.toFixed(1),
      'max ms': r.max.toFixed(1),
      errors:
        `${((r.failed / r.total) * 100).toFixed(2)} % (${r.failed} of ${r.total}` +
        `${r.kinds ? `: ${r.kinds}` : ''}${r.dropped > 0 ? `, ${r.dropped} not sent: backlog` : ''})`,
      goal: [job, runs, datasets].includes(route) ? `p99 < ${P99_GOAL_MS} ms: ${verdict(r.p99 < P99_GOAL_MS)}` : '',
    };
    rows.push(row);
    console.log(`  ${route.name}: p50 ${row['p50 ms']} ms, p99 ${row['p99 ms']} ms, errors ${row.errors}`);
  }
  console.log('');
  printTable(
    ['route', 'target req/s', 'of ceiling', '2xx req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'goal'],
    rows,
  );
});

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One queue's backlog, as the queue gauges report it. */
export interface QueueDepth {
  queue: string;
  counts: Record<string, number>;
  /** Seconds the oldest waiting job has waited; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** Reads queue backlogs at scrape time (null when the queues cannot be read, e.g. Redis is down). */
export type QueueDepthSource = () => Promise<QueueDepth[] | null>;

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600];

/**
 * Every Prometheus metric a Strata process exposes, on its own registry (never prom-client's global
 * one, so tests and several apps in one process do not collide). Names are documented in
 * docs/operations.md; the `app` label says which process (gateway or worker) reports.
 */
export class StrataMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly uploadedBytes = new Counter({
    name: 'strata_uploaded_bytes_total',
    help: 'Bytes received by upload routes and stored.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'strata_job_duration_seconds',
    help: 'Duration of one job attempt on a worker, by job kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  readonly jobOutcomes = new Counter({
    name: 'strata_jobs_total',
    help: 'Job attempts finished on a worker, by job kind and outcome (completed, completed_with_errors, failed, retried, cancelled, superseded, skipped).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rowsIngested = new Counter({
    name: 'strata_rows_ingested_total',
    help: 'Rows and features written by completed jobs, by job kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly gdalChildRestarts = new Counter({
    name: 'strata_gdal_child_restarts_total',
    help: 'GDAL child processes replaced, by reason (crash, timeout, cancel, memory).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly sweeperReenqueued = new Counter({
    name: 'strata_sweeper_reenqueued_total',
    help: 'Queued jobs whose queue entry had vanished, put back on their queue by the sweeper.',
    registers: [this.registry],
  });

  private queueSource: QueueDepthSource | null = null;

  // Collected at scrape time from the queue source (`collect` runs with the gauge as `this`).
  readonly queueJobs = ((read: () => Promise<QueueDepth[] | null>) =>
    new Gauge({
      name: 'strata_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, prioritized, failed, completed), read at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const depth of (await read()) ?? []) {
          for (const [state, count] of Object.entries(depth.counts)) this.set({ queue: depth.queue, state }, count);
        }
      },
    }))(() => this.readQueues());

  readonly queueOldestWaiting = ((read: () => Promise<QueueDepth[] | null>) =>
    new Gauge({
      name: 'strata_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in each queue (0 when none waits), read at scrape time.',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const depth of (await read()) ?? []) this.set({ queue: depth.queue }, depth.oldestWaitingSeconds);
      },
    }))(() => this.readQueues());

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'strata_' });
  }

  /** Where the queue gauges read from; without a source they report nothing. */
  watchQueues(source: QueueDepthSource): void {
    this.queueSource = source;
  }

  // Both queue gauges are collected in one scrape: share one read between them.
  private pendingRead: Promise<QueueDepth[] | null> | null = null;

  private readQueues(): Promise<QueueDepth[] | null> {
    if (!this.queueSource) return Promise.resolve(null);
    this.pendingRead ??= this.queueSource()
      .catch(() => null)
      .finally(() => {
        this.pendingRead = null;
      });
    return this.pendingRead;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

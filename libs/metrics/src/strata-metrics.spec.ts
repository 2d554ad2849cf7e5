import { describe, expect, it } from 'vitest';
import { StrataMetrics } from './strata-metrics.js';

describe('StrataMetrics', () => {
  it('labels every series with the app and keeps its own registry per instance', async () => {
    const gateway = new StrataMetrics('gateway');
    const worker = new StrataMetrics('worker');
    gateway.sweeperReenqueued.inc();
    expect((await gateway.scrape()).body).toContain('strata_sweeper_reenqueued_total{app="gateway"} 1');
    expect((await worker.scrape()).body).toContain('strata_sweeper_reenqueued_total{app="worker"} 0');
  });

  it('reads queue gauges from the source at scrape time, once per scrape', async () => {
    const metrics = new StrataMetrics('gateway');
    let reads = 0;
    metrics.watchQueues(async () => {
      reads += 1;
      return [{ queue: 'ingest', counts: { waiting: 3, active: 1 }, oldestWaitingSeconds: 42.5 }];
    });
    const { body } = await metrics.scrape();
    expect(body).toContain('strata_queue_jobs{queue="ingest",state="waiting",app="gateway"} 3');
    expect(body).toContain('strata_queue_jobs{queue="ingest",state="active",app="gateway"} 1');
    expect(body).toContain('strata_queue_oldest_waiting_seconds{queue="ingest",app="gateway"} 42.5');
    expect(reads).toBe(1);
  });

  it('answers a scrape without queue series when the queues cannot be read (Redis down)', async () => {
    const metrics = new StrataMetrics('gateway');
    let fail = false;
    metrics.watchQueues(async () => {
      if (fail) throw new Error('connect ECONNREFUSED');
      return [{ queue: 'ingest', counts: { waiting: 2 }, oldestWaitingSeconds: 1 }];
    });
    expect((await metrics.scrape()).body).toContain('state="waiting"');
    fail = true;
    const { body } = await metrics.scrape();
    expect(body).not.toContain('strata_queue_jobs{');
    expect(body).toContain('strata_process_resident_memory_bytes');
  });
});

import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { ALL_QUEUES, JobProducer } from '@app/queues';
import { StrataMetrics, type QueueDepth } from './strata-metrics.js';

/** A scrape must answer even when Redis does not: the queue gauges give up after this long. */
const QUEUE_READ_TIMEOUT_MS = 2_000;
const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

class QueueGaugeWiring implements OnModuleInit {
  constructor(
    private readonly metrics: StrataMetrics,
    private readonly producer: JobProducer,
  ) {}

  onModuleInit(): void {
    this.metrics.watchQueues(() => withTimeout(this.readAll(), QUEUE_READ_TIMEOUT_MS, 'The job queue'));
  }

  private async readAll(): Promise<QueueDepth[]> {
    const now = Date.now();
    return Promise.all(
      ALL_QUEUES.map(async (name) => {
        const queue = this.producer.queue(name);
        const [counts, oldest] = await Promise.all([
          queue.getJobCounts(...STATES),
          // `asc`: the oldest waiting job first.
          queue.getJobs(['wait'], 0, 0, true),
        ]);
        const timestamp = oldest[0]?.timestamp;
        return {
          queue: name,
          counts,
          oldestWaitingSeconds: timestamp ? Math.max(0, (now - timestamp) / 1000) : 0,
        };
      }),
    );
  }
}

/** Prometheus metrics of one process (`app` = gateway or worker), with the queue gauges wired to BullMQ. */
@Module({})
export class MetricsModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [
        { provide: StrataMetrics, useValue: new StrataMetrics(app) },
        {
          provide: QueueGaugeWiring,
          inject: [StrataMetrics, JobProducer],
          useFactory: (metrics: StrataMetrics, producer: JobProducer) => new QueueGaugeWiring(metrics, producer),
        },
      ],
      exports: [StrataMetrics],
    };
  }
}

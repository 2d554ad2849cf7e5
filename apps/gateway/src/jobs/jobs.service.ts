import { Injectable } from '@nestjs/common';
import { JobRepository, dispatchFor, type IngestJob } from '@app/jobs';
import { JobProducer } from '@app/queues';
import type { Principal } from '@app/security';

@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly producer: JobProducer,
  ) {}

  get(id: string, principal: Principal): Promise<IngestJob> {
    return this.jobs.getForOwner(id, principal.owner);
  }

  cancel(id: string, principal: Principal): Promise<IngestJob> {
    return this.jobs.requestCancel(id, principal.owner);
  }

  async retry(id: string, principal: Principal): Promise<IngestJob> {
    const job = await this.jobs.claimForRetry(id, principal.owner);
    await this.enqueueOrLeaveToSweeper(job);
    return job;
  }

  async children(id: string, principal: Principal, page: number, perPage: number): Promise<[IngestJob[], number]> {
    await this.jobs.getForOwner(id, principal.owner);
    return this.jobs.listChildren(id, page, perPage);
  }

  /**
   * The job is already committed as `queued`; if Redis cannot take it right now the sweeper enqueues
   * it once Redis is back, so the caller still gets its 202 and nothing is lost.
   */
  async enqueueOrLeaveToSweeper(job: IngestJob): Promise<void> {
    await this.producer.enqueueOrLeaveToSweeper(dispatchFor(job));
  }
}

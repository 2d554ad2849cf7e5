import { Injectable } from '@nestjs/common';
import { UnprocessableError } from '@app/common';
import { JobKind, JobRepository, dispatchFor, type CommitRequest, type IngestJob, type JobView } from '@app/jobs';
import { JobProducer } from '@app/queues';
import type { Principal } from '@app/security';
import { assertCoordinatePair, assertOptionsApply, commitOptionsIn } from '../ingest/commit-options.checks.js';
import type { RetryRequestDto } from '../ingest/dto/commit.dto.js';

@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly producer: JobProducer,
  ) {}

  get(id: string, principal: Principal): Promise<JobView> {
    return this.jobs.getViewForOwner(id, principal.owner);
  }

  cancel(id: string, principal: Principal): Promise<IngestJob> {
    return this.jobs.requestCancel(id, principal.owner);
  }

  /**
   * `failed → queued`; commit options in the body replace the stored ones for the new attempt, checked
   * like a commit's against what the preview found the file to be.
   */
  async retry(id: string, principal: Principal, body: RetryRequestDto | undefined): Promise<IngestJob> {
    const options = body ? commitOptionsIn(body) : {};
    const given = Object.keys(options).length > 0;
    if (given) await this.checkRetryOptions(id, principal, options);
    const job = await this.jobs.claimForRetry(id, principal.owner, given ? options : null);
    await this.enqueueOrLeaveToSweeper(job);
    return job;
  }

  private async checkRetryOptions(id: string, principal: Principal, options: CommitRequest): Promise<void> {
    const job = await this.jobs.getForOwner(id, principal.owner);
    const params = job.params;
    if (params.kind !== JobKind.FileDataset && params.kind !== JobKind.ServiceDataset) {
      throw new UnprocessableError('This job takes no commit options; retry it without a body.');
    }
    assertOptionsApply(job.contentKind ?? 'vector', [{ options, loc: ['body'] }]);
    const merged = Object.fromEntries(
      Object.entries({ ...params.commit, ...options }).filter(([, value]) => value !== null),
    ) as CommitRequest;
    assertCoordinatePair(merged);
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

import { Injectable } from '@nestjs/common';
import { JobRepository, JobStatus, type IngestJob } from '@app/jobs';
import type { Principal } from '@app/security';
import { JobsService } from '../jobs/jobs.service.js';
import type { DiagnosticsRequestDto } from './dto/diagnostics.request.dto.js';

@Injectable()
export class DiagnosticsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly jobsService: JobsService,
  ) {}

  /** Persist (already queued) → enqueue; the sweeper covers an enqueue that fails. */
  async start(request: DiagnosticsRequestDto, principal: Principal, requestId: string | null): Promise<IngestJob> {
    const job = await this.jobs.create({
      owner: principal.owner,
      importer: 'diagnostics',
      status: JobStatus.Queued,
      sourceType: 'diagnostics',
      requestId,
      options: { steps: request.steps ?? 3, step_ms: request.step_ms ?? 200, fail_with: request.fail_with ?? null },
    });
    await this.jobsService.enqueueOrLeaveToSweeper(job);
    return job;
  }
}

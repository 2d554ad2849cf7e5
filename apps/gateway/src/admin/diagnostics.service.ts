import { Injectable } from '@nestjs/common';
import { JobKind, JobRepository, JobStatus, type IngestJob } from '@app/jobs';
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
      kind: JobKind.Diagnostics,
      status: JobStatus.Queued,
      source: { type: 'none' },
      params: {
        kind: JobKind.Diagnostics,
        steps: request.steps ?? 3,
        step_ms: request.step_ms ?? 200,
        fail_with: request.fail_with ?? null,
      },
      requestId,
    });
    await this.jobsService.enqueueOrLeaveToSweeper(job);
    return job;
  }
}

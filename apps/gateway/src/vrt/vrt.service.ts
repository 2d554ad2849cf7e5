import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, DomainError, ErrorCode, NotFoundError, UnprocessableError, describeError } from '@app/common';
import {
  JobKind,
  JobRepository,
  VrtRepository,
  dispatchFor,
  vrtIncompatibilities,
  type Dataset,
  type IngestJob,
  type VrtView,
} from '@app/jobs';
import { JobProducer } from '@app/queues';
import type { Principal } from '@app/security';
import type { CreateVrtRequestDto } from './dto/vrt.request.dto.js';
import type { VrtAcceptedResponseDto, VrtStatusResponseDto } from './dto/vrt.response.dto.js';

/** The queue could not take the job: the staged change was undone. */
export class VrtQueueUnavailableError extends DomainError {
  constructor() {
    super(
      ErrorCode.DependencyUnavailable,
      'The job queue is unavailable right now; nothing was changed. Retry the request later.',
    );
  }
}

function incompatible(sources: Dataset[], type: CreateVrtRequestDto['vrt_type'], candidates?: string[]): void {
  const problems = vrtIncompatibilities(type, sources).filter((p) => !candidates || candidates.includes(p.source_id));
  if (problems.length === 0) return;
  throw new UnprocessableError(
    problems.length === 1
      ? `The source is not compatible with the VRT: ${problems[0]?.message ?? ''}`
      : `${problems.length} incompatibilities; see errors.`,
    { errors: problems },
  );
}

/**
 * VRT creation and membership changes. Compatibility is validated synchronously from stored metadata
 * (the gateway never runs GDAL); a change is staged with a compare-and-set on the VRT's version in the
 * transaction that creates its job, and undone if the job cannot be queued.
 */
@Injectable()
export class VrtService {
  private readonly logger = new Logger(VrtService.name);

  constructor(
    private readonly vrts: VrtRepository,
    private readonly jobs: JobRepository,
    private readonly producer: JobProducer,
  ) {}

  async create(
    body: CreateVrtRequestDto,
    principal: Principal,
    requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    const sources = await this.vrts.datasetsForOwner(body.source_dataset_ids, principal.owner);
    incompatible(sources, body.vrt_type);
    const job = await this.vrts.stageCreation({
      owner: principal.owner,
      sourceIds: body.source_dataset_ids,
      requestId,
      params: {
        kind: JobKind.Vrt,
        action: 'create',
        vrt_dataset_id: randomUUID(),
        generation: 1,
        vrt_type: body.vrt_type,
        resolution_strategy: body.resolution_strategy,
        title: body.title,
        summary: body.summary ?? null,
      },
    });
    await this.enqueueOrUndo(job, async () => {
      await this.jobs.failUndispatched(job.id, {
        code: 'queue-unavailable',
        message: 'The job queue was unavailable; nothing was created.',
      });
    });
    return accepted(job, 'VRT creation queued');
  }

  async addSource(
    vrtId: string,
    sourceId: string,
    principal: Principal,
    requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    const vrt = await this.vrts.getForOwner(vrtId, principal.owner);
    const [source] = await this.vrts.datasetsForOwner([sourceId], principal.owner);
    if (!source) throw new NotFoundError('Dataset', sourceId);
    await this.refuseWhileRegenerating(vrt);
    if (vrt.members.some((m) => m.id === sourceId)) {
      throw new ConflictError(`Dataset ${sourceId} is already a source of this VRT.`);
    }
    incompatible([...vrt.members, source], vrt.mosaic.vrtType, [sourceId]);
    const job = await this.stage(
      vrt,
      'add',
      [...vrt.members.map((m) => m.id), sourceId],
      [sourceId],
      principal,
      requestId,
    );
    return accepted(job, 'Source add queued, VRT regeneration started');
  }

  async removeSource(
    vrtId: string,
    sourceId: string,
    principal: Principal,
    requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    const vrt = await this.vrts.getForOwner(vrtId, principal.owner);
    await this.refuseWhileRegenerating(vrt);
    if (!vrt.members.some((m) => m.id === sourceId)) {
      throw new NotFoundError(`Source ${sourceId} of VRT`, vrtId);
    }
    const remaining = vrt.members.filter((m) => m.id !== sourceId).map((m) => m.id);
    if (remaining.length < 2) {
      throw new UnprocessableError('A VRT needs at least 2 sources; removing this one would leave fewer.');
    }
    const job = await this.stage(vrt, 'remove', remaining, [], principal, requestId);
    return accepted(job, 'Source removal queued, VRT regeneration started');
  }

  async regenerate(vrtId: string, principal: Principal, requestId: string | null): Promise<VrtAcceptedResponseDto> {
    const vrt = await this.vrts.getForOwner(vrtId, principal.owner);
    await this.refuseWhileRegenerating(vrt);
    const job = await this.stage(
      vrt,
      'regenerate',
      vrt.members.map((m) => m.id),
      [],
      principal,
      requestId,
    );
    return accepted(job, 'VRT regeneration queued');
  }

  async status(vrtId: string, principal: Principal): Promise<VrtStatusResponseDto> {
    const vrt = await this.vrts.getForOwner(vrtId, principal.owner);
    const view = await this.vrts.status(vrt);
    return {
      status: view.status,
      sources: view.sources.map((s) => ({ dataset_id: s.datasetId, position: s.position })),
      generation: view.generation,
      generations: view.generations.map((g) => ({
        generation: g.generation,
        job_id: g.jobId,
        status: g.status,
        created_at: g.createdAt.toISOString(),
        source_count: g.sourceCount,
        error: g.error,
      })),
      ...(view.error ? { error: view.error } : {}),
    };
  }

  /** A fast, friendly 409; the compare-and-set in `stage` is what enforces it. */
  private async refuseWhileRegenerating(vrt: VrtView): Promise<void> {
    if (await this.vrts.isRegenerating(vrt.dataset.id)) {
      throw new ConflictError('The VRT is regenerating; change it again once the current generation is ready.');
    }
  }

  private async stage(
    vrt: VrtView,
    action: 'add' | 'remove' | 'regenerate',
    sourceIds: string[],
    incoming: string[],
    principal: Principal,
    requestId: string | null,
  ): Promise<IngestJob> {
    const job = await this.vrts.stageChange({
      vrt,
      expectedVersion: vrt.mosaic.version,
      action,
      sourceIds,
      incoming,
      owner: principal.owner,
      requestId,
    });
    await this.enqueueOrUndo(job, () => this.vrts.unstage(job));
    return job;
  }

  /** Enqueues the job; if the queue cannot take it, undoes what was staged and answers 503. */
  private async enqueueOrUndo(job: IngestJob, undo: () => Promise<void>): Promise<void> {
    try {
      await this.producer.enqueue(dispatchFor(job));
    } catch (error) {
      this.logger.warn({ job_id: job.id, err: describeError(error) }, 'VRT job could not be queued; change undone');
      await undo();
      throw new VrtQueueUnavailableError();
    }
  }
}

function accepted(job: IngestJob, what: string): VrtAcceptedResponseDto {
  return { job_id: job.id, status: 'accepted', message: `${what}; follow it at GET /api/jobs/${job.id}.` };
}

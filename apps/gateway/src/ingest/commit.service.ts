import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, UnprocessableError, describeError } from '@app/common';
import {
  JobRepository,
  JobStatus,
  defaultDatasetTitle,
  dispatchFor,
  isSourceReady,
  type CommitRequest,
  type ContentKind,
  type IngestJob,
} from '@app/jobs';
import { JobProducer, SERVICE_TOKEN_TTL_SECONDS, ServiceTokenStore } from '@app/queues';
import type { Principal } from '@app/security';
import type { CommitRequestDto, CommitResponseDto, FanOutRequestDto, FanOutResponseDto } from './dto/commit.dto.js';
import { assertCoordinatePair, assertOptionsApply, commitOptionsIn } from './commit-options.checks.js';
import { PreviewService, assertSafeLayerName } from './preview.service.js';
import { ServiceTokenCheck } from '../services/token-check.js';

const MAX_FAN_OUT_LAYERS = 50;

type Kind = ContentKind;

/** Every requested layer that is not in the file, in request order, without repeats. */
export function unknownLayers(requested: string[], available: readonly string[]): string[] {
  return [...new Set(requested.filter((name) => !available.includes(name)))];
}

export function duplicateLayers(requested: string[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const name of requested) (seen.has(name) ? dupes : seen).add(name);
  return [...dupes];
}

function unknownLayerError(unknown: string[], available: readonly string[]): UnprocessableError {
  return new UnprocessableError(
    unknown.length === 1
      ? `The file has no layer named '${unknown[0]}'.`
      : `The file has no layers named ${unknown.map((n) => `'${n}'`).join(', ')}.`,
    { unknown_layers: unknown, available_layers: [...available].sort() },
  );
}

/** What a layer of a fan-out that could not be queued tells the user: never a path, host or SQL. */
const NOTHING_DISPATCHED =
  'No layer could be queued right now (the job queue is unavailable); the job is pending again: retry the fan-out.';

/**
 * Commit and fan-out: the job is claimed with one guarded update (`pending → queued`, or `pending →
 * fanning_out` before any child exists), so racing requests get 409 and never a second dataset.
 */
@Injectable()
export class CommitService {
  private readonly logger = new Logger(CommitService.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly previews: PreviewService,
    private readonly producer: JobProducer,
    private readonly tokens: ServiceTokenStore,
    private readonly tokenCheck: ServiceTokenCheck,
  ) {}

  async commit(
    jobId: string,
    principal: Principal,
    body: CommitRequestDto,
    requestId: string | null,
  ): Promise<CommitResponseDto> {
    assertSafeLayerName(body.layer_name);
    const job = await this.previewed(jobId, principal, body.layer_name, requestId);
    const kind: Kind = job.contentKind ?? 'vector';
    assertOptionsApply(kind, [{ options: body, loc: ['body'] }]);
    assertCoordinatePair(commitOptionsIn(body));
    const available = job.allLayers ?? [];
    let layerName: string | null = null;
    if (kind === 'vector') {
      layerName = body.layer_name ?? available[0] ?? null;
      if (body.layer_name !== undefined && !available.includes(body.layer_name)) {
        throw unknownLayerError([body.layer_name], available);
      }
    }
    const commit = commitOptionsIn(body);
    const token = body.token;
    if (token !== undefined && job.source.type !== 'remote-service') {
      throw new UnprocessableError('`token` only applies to jobs that read a remote service.');
    }
    // A token the service refuses is a 403 now, and the job stays pending for a good one.
    if (token !== undefined && job.source.type === 'remote-service')
      await this.tokenCheck.assertAccepted(job.source, token);
    const claimed = await this.jobs.claimForCommit(jobId, principal.owner, { commit, layerName, requestId });
    // After the claim (only the winner hands a token over), before the enqueue (the worker reads it).
    if (token !== undefined) await this.tokens.put(claimed.id, token, SERVICE_TOKEN_TTL_SECONDS);
    // A commit whose enqueue failed stays `queued`: the sweeper enqueues it once Redis answers again.
    await this.producer.enqueueOrLeaveToSweeper(dispatchFor(claimed));
    return {
      job_id: claimed.id,
      status: 'queued',
      message: `Ingest queued; follow it at GET /api/jobs/${claimed.id}.`,
    };
  }

  async fanOut(
    jobId: string,
    principal: Principal,
    body: FanOutRequestDto,
    requestId: string | null,
  ): Promise<FanOutResponseDto> {
    const names = body.layers.map((l) => l.layer_name);
    if (names.length === 0 || names.length > MAX_FAN_OUT_LAYERS) {
      throw new UnprocessableError(`A fan-out takes 1 to ${MAX_FAN_OUT_LAYERS} layers; ${names.length} were given.`, {
        errors: [{ loc: ['body', 'layers'], msg: `must hold 1 to ${MAX_FAN_OUT_LAYERS} layers`, type: 'array_size' }],
      });
    }
    for (const name of names) assertSafeLayerName(name);
    const duplicates = duplicateLayers(names);
    if (duplicates.length > 0) {
      throw new UnprocessableError(
        `Each layer may appear once; repeated: ${duplicates.map((d) => `'${d}'`).join(', ')}.`,
        {
          duplicate_layers: duplicates,
        },
      );
    }
    const job = await this.previewed(jobId, principal, undefined, requestId);
    if (job.contentKind === 'raster') {
      throw new UnprocessableError('A raster has no layers to fan out; commit it instead.', {
        unknown_layers: names,
        available_layers: [],
      });
    }
    const { layers, ...shared } = body;
    assertOptionsApply('vector', [
      { options: shared, loc: ['body'] },
      ...layers.map((layer, i) => ({ options: layer, loc: ['body', 'layers', i] })),
    ]);
    const available = job.allLayers ?? [];
    const unknown = unknownLayers(names, available);
    if (unknown.length > 0) throw unknownLayerError(unknown, available);
    // Per layer: the shared options, then the layer's own (a layer's option wins), then its title.
    const commits = layers.map((layer, i) => {
      const commit: CommitRequest = {
        ...commitOptionsIn(shared),
        ...commitOptionsIn(layer),
        title: layer.title ?? defaultDatasetTitle(job.sourceFilename, layer.layer_name),
      };
      assertCoordinatePair(commit, ['body', 'layers', i]);
      return { layerName: layer.layer_name, commit };
    });

    const parent = await this.jobs.claimForFanOut(jobId, principal.owner);
    // The children run because of this request: its id follows them into the worker's logs.
    parent.requestId = requestId ?? parent.requestId;
    let children: IngestJob[];
    try {
      children = await this.jobs.createFanOutChildren(parent, commits);
    } catch (error) {
      // Nothing was created: the parent goes back to pending so the user can try again.
      await this.jobs.finishFanOut(parent.id, false);
      throw error;
    }
    // One round trip for every child: either all are on the queue, or none is.
    let enqueued = true;
    try {
      await this.producer.enqueueAll(children.map((child) => dispatchFor(child)));
    } catch (error) {
      enqueued = false;
      this.logger.warn({ job_id: parent.id, err: describeError(error) }, 'fan-out enqueue failed');
    }
    // Nothing could be dispatched: undo the fan-out so the same request can simply be sent again. Only
    // children nobody started go; one the sweeper already rescued stays and counts as queued.
    const discarded = new Set(enqueued ? [] : await this.jobs.discardChildren(parent.id));
    const results: FanOutResponseDto['results'] = children.map((child) => {
      const dropped = discarded.has(child.id);
      return {
        layer_name: child.layerName ?? '',
        status: dropped ? 'failed' : 'queued',
        new_job_id: dropped ? null : child.id,
        dataset_id: null,
        error: dropped ? NOTHING_DISPATCHED : null,
      };
    });
    await this.jobs.finishFanOut(parent.id, discarded.size < children.length);
    return { fan_out_id: parent.id, results };
  }

  /** The job, previewed: a commit of a job nobody previewed runs the preview first (awaited, as the route would). */
  private async previewed(
    jobId: string,
    principal: Principal,
    layerName: string | undefined,
    requestId: string | null,
  ): Promise<IngestJob> {
    const job = await this.jobs.getForOwner(jobId, principal.owner);
    if (job.status !== JobStatus.Pending) {
      throw new ConflictError(`Job is '${job.status}'; only a pending job can be committed.`, {
        current_status: job.status,
      });
    }
    if (!isSourceReady(job.source)) throw new ConflictError('The upload for this job has not been completed yet.');
    if (job.contentKind !== null) return job;
    await this.previews.preview(jobId, principal, layerName, requestId);
    return this.jobs.getForOwner(jobId, principal.owner);
  }
}

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { relativeKey, type VrtBuildResult, type VrtBuildSource } from '@app/contracts';
import {
  Dataset,
  DatasetKind,
  JobKind,
  JobStatus,
  JobStep,
  VrtGeneration,
  VrtGenerationStatus,
  VrtMosaic,
  VrtRepository,
  vrtIncompatibilities,
  type VrtJobParams,
} from '@app/jobs';
import { Storage } from '@app/storage';
import type { EntityManager } from 'typeorm';
import { GdalTaskRunner } from '../ingest/gdal-task.runner.js';
import type { VrtTask } from '../ingest/gdal-task.protocol.js';
import { PermanentJobError } from '../runtime/job-errors.js';
import type { HandlerResult, JobContext } from '../runtime/job-runner.service.js';

/** The immutable key of a VRT generation's document. */
export function generationKey(vrtId: string, generation: number): string {
  return `datasets/${vrtId}/generations/${generation}.vrt`;
}

const SUPERSEDED = 'A newer change to this VRT replaced this build; nothing was published.';

/**
 * Builds one generation of a VRT: re-checks the staged sources' compatibility from their stored
 * metadata (GDAL silently drops sources that do not fit), builds the document in the GDAL child, stores
 * it under the generation's own key, and publishes generation, member list, dataset metadata and job
 * completion in one transaction, fenced by the attempt token and the mosaic's pending generation.
 */
@Injectable()
export class VrtBuildService {
  constructor(
    private readonly storage: Storage,
    private readonly runner: GdalTaskRunner,
    private readonly vrts: VrtRepository,
  ) {}

  async run(ctx: JobContext): Promise<HandlerResult> {
    const job = ctx.job;
    const params = job.params;
    if (params.kind !== JobKind.Vrt || job.source.type !== 'datasets') {
      throw new PermanentJobError('not-a-vrt-job', 'The job does not describe a VRT build.');
    }
    const vrtId = params.vrt_dataset_id;
    if (params.action !== 'create' && !(await this.vrts.isStaged(vrtId, params.generation))) {
      throw new PermanentJobError('superseded', SUPERSEDED);
    }
    await ctx.progress({ step: JobStep.Reading, progress: 0.05 });
    const sourceIds = job.source.ids;
    const sources = await this.vrts.datasets(sourceIds);
    const missing = sourceIds.filter((id) => !sources.some((s) => s.id === id));
    if (missing.length > 0) {
      throw new PermanentJobError('source-missing', `Source dataset(s) ${missing.join(', ')} no longer exist.`);
    }
    const problems = vrtIncompatibilities(params.vrt_type, sources);
    if (problems.length > 0) {
      throw new PermanentJobError('incompatible-sources', problems.map((p) => p.message).join(' '));
    }
    const key = generationKey(vrtId, params.generation);
    const buildSources: VrtBuildSource[] = sources.map((s) => {
      if (!s.storageKey) throw new PermanentJobError('source-missing', `Source dataset ${s.id} has no stored raster.`);
      return { id: s.id, gdalPath: this.storage.gdalPath(s.storageKey), href: relativeKey(key, s.storageKey) };
    });
    const task: VrtTask = {
      kind: 'vrt',
      vrtType: params.vrt_type,
      resolution: params.resolution_strategy,
      sources: buildSources,
      scratchPath: join(tmpdir(), `strata-vrt-${job.id}-${randomUUID()}.vrt`),
    };
    await ctx.progress({ step: JobStep.Converting, progress: 0.1 });
    const running = this.runner.start<VrtBuildResult>(task);
    let built: VrtBuildResult;
    try {
      built = await running.result;
    } finally {
      running.kill();
      await rm(task.scratchPath, { force: true });
    }
    await ctx.progress({ step: JobStep.Storing, progress: 0.8 });
    await this.storage.write(key, Readable.from([Buffer.from(built.xml, 'utf8')]), {
      contentType: 'application/xml',
    });
    await ctx.progress({ step: JobStep.Finalizing, progress: 0.9 });
    return {
      status: JobStatus.Completed,
      result: {
        generation: params.generation,
        storage_key: key,
        source_count: sourceIds.length,
        gdal_open_ms: built.timings.open_ms,
        gdal_build_ms: built.timings.build_ms,
      },
      publish: (manager) => this.publish(manager, ctx, params, sourceIds, key, built),
      afterwards: async (published) => {
        // An unpublished generation's document is never served: it goes.
        if (!published) await this.storage.delete(key).catch(() => undefined);
      },
    };
  }

  private async publish(
    manager: EntityManager,
    ctx: JobContext,
    params: VrtJobParams,
    sourceIds: string[],
    key: string,
    built: VrtBuildResult,
  ): Promise<string> {
    const vrtId = params.vrt_dataset_id;
    const generation = params.generation;
    if (params.action !== 'create' && !(await this.vrts.lockForPublish(manager, vrtId, generation))) {
      throw new PermanentJobError('superseded', SUPERSEDED);
    }
    const gone = await this.vrts.lockExistingSources(manager, sourceIds);
    if (gone.length > 0) {
      throw new PermanentJobError('source-missing', `Source dataset(s) ${gone.join(', ')} were deleted.`);
    }
    const metadata = { storageKey: key, crs: built.crs, extent: built.extent, raster: built.raster };
    const generations = manager.getRepository(VrtGeneration);
    if (params.action === 'create') {
      await manager.getRepository(Dataset).insert({
        id: vrtId,
        owner: ctx.job.owner,
        kind: DatasetKind.Vrt,
        title: params.title ?? 'VRT mosaic',
        summary: params.summary,
        tableName: null,
        geometryType: null,
        featureCount: null,
        columns: [],
        sourceJobId: ctx.job.id,
        ...metadata,
      });
      await manager.getRepository(VrtMosaic).insert({
        datasetId: vrtId,
        vrtType: params.vrt_type,
        resolutionStrategy: params.resolution_strategy,
        version: 1,
        generation,
        lastGeneration: generation,
        pendingGeneration: null,
      });
      await generations.insert({
        vrtDatasetId: vrtId,
        generation,
        jobId: ctx.job.id,
        status: VrtGenerationStatus.Published,
        sourceIds,
        storageKey: key,
        error: null,
        completedAt: new Date(),
      });
    } else {
      await manager.getRepository(Dataset).update({ id: vrtId }, metadata);
      await manager.query(
        `UPDATE vrt_mosaics SET generation = $2, pending_generation = NULL, version = version + 1, updated_at = now()
          WHERE dataset_id = $1`,
        [vrtId, generation],
      );
      await generations.update(
        { vrtDatasetId: vrtId, generation },
        { status: VrtGenerationStatus.Published, storageKey: key, completedAt: new Date() },
      );
    }
    await this.vrts.replaceMembers(manager, vrtId, sourceIds);
    return vrtId;
  }
}

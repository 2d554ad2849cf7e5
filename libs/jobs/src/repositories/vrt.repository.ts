import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConflictError, NotFoundError } from '@app/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Dataset, DatasetKind } from '../entities/dataset.entity.js';
import type { IngestJob, JobErrorInfo } from '../entities/ingest-job.entity.js';
import { VrtGeneration, VrtGenerationStatus } from '../entities/vrt-generation.entity.js';
import { VrtLink } from '../entities/vrt-link.entity.js';
import { VrtMosaic } from '../entities/vrt-mosaic.entity.js';
import { JobKind } from '../job-kind.js';
import type { VrtJobParams } from '../job-params.js';
import { JobStatus } from '../job-status.js';
import { hydrate } from './hydrate.js';
import { JobRepository } from './job.repository.js';

/** A VRT as its routes see it: the dataset, its mutable state and its members in order. */
export interface VrtView {
  dataset: Dataset;
  mosaic: VrtMosaic;
  members: Dataset[];
}

export interface GenerationView {
  generation: number;
  jobId: string | null;
  status: VrtGenerationStatus;
  createdAt: Date;
  sourceCount: number;
  error: JobErrorInfo | null;
}

export interface VrtStatusView {
  status: 'ready' | 'regenerating' | 'failed';
  generation: number;
  sources: { datasetId: string; position: number }[];
  generations: GenerationView[];
  error: JobErrorInfo | null;
}

/** A change to stage: the member list it leads to, validated against `expectedVersion`. */
export interface StagedChange {
  vrt: VrtView;
  expectedVersion: number;
  action: Exclude<VrtJobParams['action'], 'create'>;
  sourceIds: string[];
  /** Sources the change brings in: locked (FOR SHARE) so a concurrent delete waits or wins cleanly. */
  incoming: string[];
  owner: string;
  requestId: string | null;
}

const ACTIVE = [JobStatus.Queued, JobStatus.Processing];

/** The pending generation whose job can still publish (queued or running). */
const PENDING_ALIVE = `EXISTS (SELECT 1 FROM vrt_generations g JOIN ingest_jobs j ON j.id = g.job_id
  WHERE g.vrt_dataset_id = m.dataset_id AND g.generation = m.pending_generation
    AND j.status IN ('${JobStatus.Queued}', '${JobStatus.Processing}'))`;

/**
 * VRT membership and generations. Every membership change is staged by one compare-and-set on the
 * mosaic's `version` (and no live pending generation), in the transaction that creates its job; it is
 * applied only by the publish of the generation it staged.
 */
@Injectable()
export class VrtRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobRepository,
  ) {}

  /** The VRT if `owner` owns it (404 otherwise, also for datasets that are not VRTs). */
  async getForOwner(id: string, owner: string): Promise<VrtView> {
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id, owner, kind: DatasetKind.Vrt });
    const mosaic = dataset ? await this.dataSource.getRepository(VrtMosaic).findOneBy({ datasetId: id }) : null;
    if (!dataset || !mosaic) throw new NotFoundError('VRT dataset', id);
    return { dataset, mosaic, members: await this.members(id) };
  }

  async members(vrtId: string, manager: EntityManager = this.dataSource.manager): Promise<Dataset[]> {
    const links = await manager
      .getRepository(VrtLink)
      .find({ where: { vrtDatasetId: vrtId }, order: { position: 'ASC' } });
    const datasets = await manager.getRepository(Dataset).findBy({ id: In(links.map((l) => l.sourceDatasetId)) });
    return links.flatMap((l) => datasets.filter((d) => d.id === l.sourceDatasetId));
  }

  /** The datasets, in the order asked; 404 naming the first one `owner` cannot read. */
  async datasetsForOwner(ids: string[], owner: string): Promise<Dataset[]> {
    const found = await this.dataSource.getRepository(Dataset).findBy({ id: In(ids), owner });
    return ids.map((id) => found.find((d) => d.id === id) ?? notFound(id));
  }

  /** Datasets by id, in the order asked (missing ones left out). */
  async datasets(ids: string[]): Promise<Dataset[]> {
    const found = await this.dataSource.getRepository(Dataset).findBy({ id: In(ids) });
    return ids.flatMap((id) => found.filter((d) => d.id === id));
  }

  /** Whether the VRT is building a generation that can still publish. */
  async isRegenerating(vrtId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM vrt_mosaics m WHERE m.dataset_id = $1 AND m.pending_generation IS NOT NULL AND ${PENDING_ALIVE}`,
      [vrtId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** A creation: the job (queued) in the transaction that locks its sources against deletion. */
  async stageCreation(input: {
    owner: string;
    sourceIds: string[];
    params: VrtJobParams;
    requestId: string | null;
  }): Promise<IngestJob> {
    return this.dataSource.transaction(async (manager) => {
      await lockSources(manager, input.sourceIds, input.owner);
      return this.jobs.create(
        {
          owner: input.owner,
          kind: JobKind.Vrt,
          status: JobStatus.Queued,
          source: { type: 'datasets', ids: input.sourceIds },
          params: input.params,
          sourceFilename: input.params.title,
          requestId: input.requestId,
        },
        manager,
      );
    });
  }

  /**
   * Stages a membership change: one compare-and-set moves the mosaic from the version the request
   * validated against to a new pending generation, and the job and the generation row are written in
   * the same transaction. 409 when the VRT is regenerating or changed meanwhile.
   */
  async stageChange(change: StagedChange): Promise<IngestJob> {
    const { vrt } = change;
    const vrtId = vrt.dataset.id;
    return this.dataSource.transaction(async (manager) => {
      await lockSources(manager, change.incoming, change.owner);
      const rows = (await manager.query(
        `UPDATE vrt_mosaics m SET version = m.version + 1, last_generation = m.last_generation + 1,
                pending_generation = m.last_generation + 1, updated_at = now()
          WHERE m.dataset_id = $1 AND m.version = $2 AND (m.pending_generation IS NULL OR NOT ${PENDING_ALIVE})
          RETURNING m.*`,
        [vrtId, change.expectedVersion],
      )) as [Record<string, unknown>[], number];
      const raw = rows[0]?.[0];
      if (!raw) throw await this.conflict(vrtId);
      const mosaic = hydrate<VrtMosaic>(manager.getRepository(VrtMosaic).metadata, raw);
      const generation = mosaic.pendingGeneration ?? 0;
      // A pending generation that cannot publish any more (its job failed or was cancelled) is over.
      await manager.query(
        `UPDATE vrt_generations g SET status = $2, completed_at = coalesce(g.completed_at, now()),
                error = coalesce(g.error, (SELECT j.error FROM ingest_jobs j WHERE j.id = g.job_id))
          WHERE g.vrt_dataset_id = $1 AND g.status = $3`,
        [vrtId, VrtGenerationStatus.Failed, VrtGenerationStatus.Building],
      );
      const job = await this.jobs.create(
        {
          owner: change.owner,
          kind: JobKind.Vrt,
          status: JobStatus.Queued,
          source: { type: 'datasets', ids: change.sourceIds },
          params: {
            kind: JobKind.Vrt,
            action: change.action,
            vrt_dataset_id: vrtId,
            generation,
            vrt_type: mosaic.vrtType,
            resolution_strategy: mosaic.resolutionStrategy,
            title: null,
            summary: null,
          },
          sourceFilename: vrt.dataset.title,
          requestId: change.requestId,
        },
        manager,
      );
      await manager.getRepository(VrtGeneration).insert({
        vrtDatasetId: vrtId,
        generation,
        jobId: job.id,
        status: VrtGenerationStatus.Building,
        sourceIds: change.sourceIds,
        storageKey: null,
        error: null,
        completedAt: null,
      });
      return job;
    });
  }

  /** Undoes a staged change whose job could not be queued: nothing of it remains. */
  async unstage(job: IngestJob): Promise<void> {
    if (job.params.kind !== JobKind.Vrt) return;
    const { vrt_dataset_id: vrtId, generation } = job.params;
    await this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM vrt_generations WHERE vrt_dataset_id = $1 AND job_id = $2', [vrtId, job.id]);
      await manager.query(
        `UPDATE vrt_mosaics SET pending_generation = NULL, version = version + 1, updated_at = now()
          WHERE dataset_id = $1 AND pending_generation = $2`,
        [vrtId, generation],
      );
      await manager.query('DELETE FROM ingest_jobs WHERE id = $1', [job.id]);
    });
  }

  private async conflict(vrtId: string): Promise<ConflictError> {
    return (await this.isRegenerating(vrtId))
      ? new ConflictError('The VRT is regenerating; change it again once the current generation is ready.')
      : new ConflictError('The VRT changed while this request was being checked; send it again.');
  }

  /** What GET /datasets/{id}/vrt/status shows. */
  async status(vrt: VrtView): Promise<VrtStatusView> {
    const vrtId = vrt.dataset.id;
    const rows = (await this.dataSource.query(
      `SELECT g.generation, g.job_id, g.status, g.created_at, cardinality(g.source_ids) AS source_count,
              g.error, j.status AS job_status, j.error AS job_error
         FROM vrt_generations g LEFT JOIN ingest_jobs j ON j.id = g.job_id
        WHERE g.vrt_dataset_id = $1 ORDER BY g.generation`,
      [vrtId],
    )) as {
      generation: number;
      job_id: string | null;
      status: VrtGenerationStatus;
      created_at: Date;
      source_count: number | string;
      error: JobErrorInfo | null;
      job_status: JobStatus | null;
      job_error: JobErrorInfo | null;
    }[];
    const generations: GenerationView[] = rows.map((r) => {
      const dead = r.status === VrtGenerationStatus.Building && !ACTIVE.includes(r.job_status as JobStatus);
      return {
        generation: r.generation,
        jobId: r.job_id,
        status: dead ? VrtGenerationStatus.Failed : r.status,
        createdAt: r.created_at,
        sourceCount: Number(r.source_count),
        error: r.error ?? (dead ? (r.job_error ?? { code: 'build-lost', message: 'The build stopped.' }) : null),
      };
    });
    const latest = generations.at(-1);
    const building = latest?.status === VrtGenerationStatus.Building;
    const failed = latest?.status === VrtGenerationStatus.Failed;
    const links = await this.dataSource
      .getRepository(VrtLink)
      .find({ where: { vrtDatasetId: vrtId }, order: { position: 'ASC' } });
    return {
      status: building ? 'regenerating' : failed ? 'failed' : 'ready',
      generation: vrt.mosaic.generation,
      sources: links.map((l) => ({ datasetId: l.sourceDatasetId, position: l.position })),
      generations,
      error: failed ? (latest.error ?? null) : null,
    };
  }

  /**
   * Deletes `owner`'s dataset unless a VRT uses it (its members, or a staged generation or creation
   * that would): then 409 naming the VRTs. The row lock makes a racing add of the same dataset either
   * wait for the delete (and then 404) or be seen here. Vector and table datasets lose their table in
   * the same transaction; stored objects are the caller's to delete afterwards.
   */
  async deleteForOwner(id: string, owner: string, dropTable: (qualified: string) => string): Promise<Dataset> {
    return this.dataSource.transaction(async (manager) => {
      const locked = (await manager.query('SELECT id FROM datasets WHERE id = $1 AND owner = $2 FOR UPDATE', [
        id,
        owner,
      ])) as unknown[];
      if (locked.length === 0) throw notFound(id);
      const dataset = await manager.getRepository(Dataset).findOneByOrFail({ id });
      const users = (await manager.query(
        `SELECT vrt_dataset_id::text AS id FROM vrt_links WHERE source_dataset_id = $1
         UNION SELECT params->>'vrt_dataset_id' FROM ingest_jobs
          WHERE kind = $2 AND status = ANY($3::varchar[]) AND source->'ids' ? $1::text`,
        [id, JobKind.Vrt, ACTIVE],
      )) as { id: string }[];
      const vrts = users.map((u) => u.id).filter((v) => v !== id);
      if (vrts.length > 0) {
        throw new ConflictError(
          `Dataset ${id} is used by ${vrts.length === 1 ? 'a VRT' : `${vrts.length} VRTs`} (${vrts.join(', ')}); remove it from them first.`,
          { vrt_ids: vrts },
        );
      }
      if (dataset.tableName) await manager.query(dropTable(dataset.tableName));
      await manager.getRepository(Dataset).delete({ id });
      return dataset;
    });
  }

  // --- worker side -------------------------------------------------------------------------------

  /** Whether `generation` is still the VRT's staged generation (a newer change has not replaced it). */
  async isStaged(vrtId: string, generation: number): Promise<boolean> {
    const rows = (await this.dataSource.query(
      'SELECT 1 FROM vrt_mosaics WHERE dataset_id = $1 AND pending_generation = $2',
      [vrtId, generation],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Locks the mosaic for a publish; true when `generation` is still the staged one. */
  async lockForPublish(manager: EntityManager, vrtId: string, generation: number): Promise<boolean> {
    const rows = (await manager.query('SELECT pending_generation FROM vrt_mosaics WHERE dataset_id = $1 FOR UPDATE', [
      vrtId,
    ])) as { pending_generation: number | null }[];
    return rows[0]?.pending_generation === generation;
  }

  /** Locks the sources against deletion for a publish; the ids that no longer exist. */
  async lockExistingSources(manager: EntityManager, ids: string[]): Promise<string[]> {
    const rows = (await manager.query('SELECT id FROM datasets WHERE id = ANY($1::uuid[]) FOR SHARE', [ids])) as {
      id: string;
    }[];
    return ids.filter((id) => !rows.some((r) => r.id === id));
  }

  /** The new member list, renumbered 0..n-1. */
  async replaceMembers(manager: EntityManager, vrtId: string, sourceIds: string[]): Promise<void> {
    await manager.query('DELETE FROM vrt_links WHERE vrt_dataset_id = $1', [vrtId]);
    await manager
      .getRepository(VrtLink)
      .insert(sourceIds.map((sourceDatasetId, position) => ({ vrtDatasetId: vrtId, sourceDatasetId, position })));
  }

  /**
   * After a build job ended without publishing (failed or cancelled): its generation is marked failed
   * and the mosaic's pending slot freed. Does nothing while the job can still run (a retry follows).
   */
  async settleUnpublished(jobId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `UPDATE vrt_generations g SET status = $2, error = j.error, completed_at = now()
           FROM ingest_jobs j
          WHERE g.job_id = $1 AND j.id = g.job_id AND g.status = $3 AND j.status = ANY($4::varchar[])
          RETURNING g.vrt_dataset_id, g.generation`,
        [jobId, VrtGenerationStatus.Failed, VrtGenerationStatus.Building, [JobStatus.Failed, JobStatus.Cancelled]],
      )) as [{ vrt_dataset_id: string; generation: number }[], number];
      for (const row of rows[0]) {
        await manager.query(
          `UPDATE vrt_mosaics SET pending_generation = NULL, version = version + 1, updated_at = now()
            WHERE dataset_id = $1 AND pending_generation = $2`,
          [row.vrt_dataset_id, row.generation],
        );
      }
    });
  }
}

const notFound = (id: string): never => {
  throw new NotFoundError('Dataset', id);
};

/** Locks `owner`'s datasets `ids` FOR SHARE (a delete waits); 404 for the first that is gone. */
async function lockSources(manager: EntityManager, ids: string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  const rows = (await manager.query(
    'SELECT id FROM datasets WHERE id = ANY($1::uuid[]) AND owner = $2 ORDER BY id FOR SHARE',
    [ids, owner],
  )) as { id: string }[];
  const missing = ids.find((id) => !rows.some((r) => r.id === id));
  if (missing) notFound(missing);
}

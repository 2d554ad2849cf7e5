import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CogResult, VectorLoadResult } from '@app/contracts';
import {
  DATA_SCHEMA,
  Dataset,
  DatasetKind,
  JobKind,
  JobStatus,
  JobStep,
  commitOptionsOf,
  isBoundFile,
  isProgressStep,
  type ProgressStep,
  defaultDatasetTitle,
  type RasterCommitOptions,
  type VectorCommitOptions,
  type IngestJob,
  type JobWarning,
} from '@app/jobs';
import { Storage } from '@app/storage';
import { DataSource, type EntityManager } from 'typeorm';
import type { HandlerResult, JobContext } from '../runtime/job-runner.service.js';
import { PermanentJobError, TransientJobError } from '../runtime/job-errors.js';
import { startTicker } from '../runtime/ticker.js';
import { RemoteSourceService, remoteRefusal, type RemoteGdalSource } from '../remote/remote-source.js';
import { gdalPathOf } from './source-path.js';
import type { RasterTask, VectorTask } from './gdal-task.protocol.js';
import { GdalTaskRunner } from './gdal-task.runner.js';
import { datasetTableName } from './postgis/table-names.js';

/** How often a running GDAL step reports progress, heartbeats, and looks for a cancel request. */
const TICK_MS = 1000;

/** GDAL's share of the job's progress bar; reading and publishing take the rest. */
const GDAL_FROM = 0.05;
const GDAL_TO = 0.9;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** Attempt-scoped staging tables: `stg_<job>_<attempt>`, so two attempts never share one. */
export function stagingPrefix(jobId: string): string {
  return `stg_${jobId.replace(/-/g, '').slice(0, 20)}_`;
}

export function stagingTable(jobId: string, attemptToken: string): string {
  return `${stagingPrefix(jobId)}${attemptToken.replace(/-/g, '').slice(0, 12)}`;
}

/** Where a raster job's COG is written before it is stored (scratch files only). */
export function cogScratchPrefix(jobId: string): string {
  return `staging/${jobId}/cog-scratch`;
}

/** Temporary COGs (and GDAL's sidecars) of a job's earlier attempts, when the store is not local. */
async function removeTempCogs(jobId: string): Promise<void> {
  const prefix = `strata-cog-${jobId}-`;
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(tmpdir(), n), { force: true })));
}

/**
 * File → dataset. Vector layers load into an attempt-scoped staging table that is renamed to its live
 * name in the transaction that completes the job; rasters become a COG under an immutable key that a
 * dataset row points to. The GDAL step runs in a child process, killed at once on cancel or takeover.
 */
@Injectable()
export class DatasetIngestService {
  constructor(
    private readonly storage: Storage,
    private readonly runner: GdalTaskRunner,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly remote: RemoteSourceService,
  ) {}

  async run(ctx: JobContext): Promise<HandlerResult> {
    const job = ctx.job;
    if (job.source.type === 'remote-service' && job.params.kind === JobKind.ServiceDataset) {
      return this.remoteLayer(ctx, job.source, job.params.commit);
    }
    const sourcePath = gdalPathOf(job.source, this.storage);
    if (!sourcePath || !isBoundFile(job.source) || job.params.kind !== JobKind.FileDataset) {
      throw new PermanentJobError('no-source', 'The job has no uploaded file to ingest.');
    }
    const sourceKey = job.source.key;
    const options = commitOptionsOf(job.contentKind, job.params.commit);
    await ctx.progress({ step: JobStep.Reading, progress: 0.01 });
    return options.kind === 'raster'
      ? this.raster(ctx, sourcePath, sourceKey, options)
      : this.vector(ctx, sourcePath, options);
  }

  /**
   * A layer of a remote service, read by GDAL (paging as the service allows) with every request through
   * a guarded proxy of this attempt: the URL is re-checked now, and GDAL cannot reach what the guard
   * refuses, redirects included. A refusal or a refused token fails the job at once; an outage retries.
   */
  private async remoteLayer(
    ctx: JobContext,
    source: Extract<IngestJob['source'], { type: 'remote-service' }>,
    commit: Parameters<typeof commitOptionsOf>[1],
  ): Promise<HandlerResult> {
    const options = commitOptionsOf('vector', commit);
    if (options.kind !== 'vector') throw new PermanentJobError('no-source', 'A remote layer is vector data.');
    await ctx.progress({ step: JobStep.Reading, progress: 0.01 });
    let remote: RemoteGdalSource | null = null;
    try {
      remote = await this.remote.open(ctx.job.id, source);
      const result = await this.vector(ctx, remote.path, options, remote.layerName, remote.gdalConfig, {
        epochMsColumns: remote.epochMsColumns,
        requireAllFeatures: true,
        expectedFeatures: remote.featureCount,
      });
      const afterwards = result.afterwards;
      return {
        ...result,
        afterwards: async (published) => {
          await afterwards?.(published);
          if (published) await this.remote.forget(ctx.job.id);
        },
      };
    } catch (error) {
      const refusal = remoteRefusal(error, remote?.proxy ?? null);
      if (!refusal) throw error;
      if (refusal.code === 'remote-failed' || refusal.code === 'remote-timeout') {
        throw new TransientJobError(refusal.message, { cause: error });
      }
      throw new PermanentJobError(refusal.code, refusal.message);
    } finally {
      await remote?.proxy.close();
    }
  }

  private async vector(
    ctx: JobContext,
    sourcePath: string,
    options: VectorCommitOptions,
    layerName: string | null = ctx.job.layerName,
    gdalConfig?: Record<string, string>,
    extra: Pick<VectorTask, 'epochMsColumns' | 'requireAllFeatures' | 'expectedFeatures'> = {},
  ): Promise<HandlerResult> {
    const job = ctx.job;
    // Holding the newest attempt token, this attempt owns the job: earlier attempts' tables are leftovers.
    await this.dropStagingTables(stagingPrefix(job.id));
    const staging = stagingTable(job.id, ctx.attemptToken);
    const applicationName = `strata-load-${staging}`;
    const task: VectorTask = {
      kind: 'vector',
      applicationName,
      sourcePath,
      layerName,
      schema: DATA_SCHEMA,
      table: staging,
      sridOverride: options.srid_override ?? null,
      xColumn: options.x_column ?? null,
      yColumn: options.y_column ?? null,
      geomColumn: options.geom_column ?? null,
      ...extra,
    };
    let loaded: VectorLoadResult;
    try {
      loaded = await this.runGdal<VectorLoadResult>(
        ctx,
        task,
        JobStep.Loading,
        () => this.copiedRows(applicationName),
        gdalConfig,
      );
      // Reported before publishing: the publish transaction holds this job's row lock, so a progress
      // write from inside it (on another connection) would wait for itself.
      await ctx.progress({ step: JobStep.Finalizing, progress: 0.95, rowsTotal: loaded.featureCount });
    } catch (error) {
      await this.dropTable(staging);
      throw error;
    }
    const title = options.title ?? defaultDatasetTitle(job.sourceFilename, job.layerName);
    return {
      status: JobStatus.Completed,
      rowsProcessed: loaded.featureCount,
      warnings: loaded.warnings,
      result: { feature_count: loaded.featureCount, geometry_type: loaded.geometryType, crs: loaded.srid },
      publish: async (manager) => {
        return this.publishTable(manager, job, staging, title, options.summary ?? null, loaded);
      },
      afterwards: async (published) => {
        if (!published) await this.dropTable(staging);
      },
    };
  }

  private async raster(
    ctx: JobContext,
    sourcePath: string,
    sourceKey: string,
    options: RasterCommitOptions,
  ): Promise<HandlerResult> {
    const job = ctx.job;
    const datasetId = randomUUID();
    const key = `datasets/${datasetId}/${(job.sourceFilename ?? 'raster').replace(/\.[^.]+$/, '')}.tif`;
    // Holding the newest attempt token, this attempt owns the job: an earlier attempt's half-written
    // COG (a worker killed mid-conversion) is a leftover. Scratch lives under the job's own prefix so it
    // can be found again; on the local driver it is on the store's filesystem, then renamed into place.
    const scratchPrefix = `${cogScratchPrefix(job.id)}/`;
    // The output and what GDAL writes beside it (a failed or killed conversion leaves its overview file).
    const discardScratch = async (): Promise<void> => {
      await this.storage.discardScratch(scratchPrefix);
      await removeTempCogs(job.id);
    };
    await discardScratch();
    const output =
      (await this.storage.scratchPathFor(`${scratchPrefix}${ctx.attemptToken}.tif`)) ??
      join(tmpdir(), `strata-cog-${job.id}-${ctx.attemptToken}.tif`);
    const task: RasterTask = {
      kind: 'raster',
      sourcePath,
      outputPath: output,
      compression: options.compression ?? 'DEFLATE',
      resampling: options.resampling ?? null,
      nodataOverride: options.nodata_override ?? null,
      strictCog: options.strict_cog ?? false,
      sridOverride: options.srid_override ?? null,
    };
    const removeTemp = (): Promise<void> => rm(output, { force: true });
    let cog: CogResult;
    try {
      cog = await this.runGdal<CogResult>(ctx, task, JobStep.Converting);
    } catch (error) {
      await removeTemp();
      await discardScratch();
      throw error;
    }
    try {
      await ctx.progress({ step: JobStep.Storing, progress: 0.92 });
      if (cog.converted) await this.storage.putFile(key, output, { contentType: 'image/tiff' });
      else await this.storage.copy(sourceKey, key);
    } catch (error) {
      await removeTemp();
      await this.storage.delete(key).catch(() => undefined);
      throw error;
    }
    await removeTemp();
    const warnings: JobWarning[] = cog.converted
      ? [{ code: 'converted-to-cog', message: `Converted to a Cloud-Optimized GeoTIFF: ${cog.issues.join('; ')}.` }]
      : [];
    return {
      status: JobStatus.Completed,
      warnings,
      result: { converted: cog.converted, storage_key: key },
      publish: async (manager) => {
        await manager.getRepository(Dataset).insert({
          id: datasetId,
          owner: job.owner,
          kind: DatasetKind.Raster,
          title: options.title ?? defaultDatasetTitle(job.sourceFilename, job.layerName),
          summary: options.summary ?? null,
          tableName: null,
          storageKey: key,
          crs: cog.crs,
          geometryType: null,
          featureCount: null,
          extent: cog.extent,
          columns: [],
          raster: cog.raster,
          sourceJobId: job.id,
        });
        return datasetId;
      },
      afterwards: async (published) => {
        // The COG stays only if a dataset points at it.
        if (!published) await this.storage.delete(key).catch(() => undefined);
      },
    };
  }

  /**
   * Runs the GDAL step in a child process. Every tick it records progress, which doubles as a heartbeat
   * and as the check for a cancel request or a newer attempt: either kills the child at once. Progress
   * is the child's own (per step) or, while rows stream in, `copied()` against the announced total.
   */
  private async runGdal<T>(
    ctx: JobContext,
    task: VectorTask | RasterTask,
    firstStep: ProgressStep,
    copied?: () => Promise<number | null>,
    gdalConfig?: Record<string, string>,
  ): Promise<T> {
    let step = firstStep;
    let fraction = 0;
    let total: number | null = null;
    const running = this.runner.start<T>(
      task,
      {
        onProgress: (f) => {
          fraction = Math.max(fraction, Math.min(1, f));
        },
        onStep: (s) => {
          if (!isProgressStep(s)) return;
          step = s;
          ctx.stepStarted(s);
        },
        onTotal: (features) => {
          total = features >= 0 ? features : null;
        },
      },
      gdalConfig ? { gdalConfig } : {},
    );
    await ctx.progress({ step, progress: GDAL_FROM, ...(copied ? { rowsProcessed: 0 } : {}) });
    const tick = async (): Promise<void> => {
      const rows = copied && step === JobStep.Loading ? await copied().catch(() => null) : null;
      // Rows loaded count for most of the step's share; what follows (index, statistics) for the rest.
      const loadShare = 0.85;
      if (rows !== null && total) fraction = Math.max(fraction, loadShare * Math.min(1, rows / total));
      await ctx.progress({
        step,
        progress: GDAL_FROM + fraction * (GDAL_TO - GDAL_FROM),
        ...(total !== null ? { rowsTotal: total } : {}),
        ...(rows !== null ? { rowsProcessed: rows } : {}),
      });
    };
    const ticker = startTicker(tick, TICK_MS, () => running.kill());
    try {
      const result = await running.result;
      if (ticker.failed) throw ticker.error;
      return result;
    } catch (error) {
      if (ticker.failed) throw ticker.error;
      // A GdalTaskError: failure-classifier.ts reads what the child reported.
      throw error;
    } finally {
      ticker.stop();
      running.kill();
    }
  }

  /** Rows the load's COPY has written so far (null when no COPY of it is running). */
  private async copiedRows(applicationName: string): Promise<number | null> {
    const rows = (await this.dataSource.query(
      `SELECT p.tuples_processed AS n FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)
        WHERE p.command = 'COPY FROM' AND a.application_name = $1`,
      [applicationName],
    )) as { n: string }[];
    return rows[0] ? Number(rows[0].n) : null;
  }

  private async publishTable(
    manager: EntityManager,
    job: IngestJob,
    staging: string,
    title: string,
    summary: string | null,
    loaded: VectorLoadResult,
  ): Promise<string> {
    // Serialises naming: two publishes cannot pick the same free name.
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${DATA_SCHEMA}.table-names`]);
    const name = await datasetTableName(title, async (candidate) => {
      const rows = (await manager.query(
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2
         UNION ALL SELECT 1 FROM datasets WHERE table_name = $3`,
        [DATA_SCHEMA, candidate, `${DATA_SCHEMA}.${candidate}`],
      )) as unknown[];
      return rows.length > 0;
    });
    await manager.query(`ALTER TABLE ${quote(DATA_SCHEMA)}.${quote(staging)} RENAME TO ${quote(name)}`);
    // Index (and sequence) names follow the table, so the staging name leaves no trace.
    const relations = (await manager.query(
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname LIKE $2 AND c.relkind IN ('i', 'S')`,
      [DATA_SCHEMA, `${staging}%`],
    )) as { relname: string; relkind: string }[];
    for (const relation of relations) {
      const renamed = `${name}${relation.relname.slice(staging.length)}`.slice(0, 63);
      const kind = relation.relkind === 'i' ? 'INDEX' : 'SEQUENCE';
      await manager.query(`ALTER ${kind} ${quote(DATA_SCHEMA)}.${quote(relation.relname)} RENAME TO ${quote(renamed)}`);
    }
    const inserted = await manager.getRepository(Dataset).insert({
      owner: job.owner,
      kind: DatasetKind.Vector,
      title,
      summary,
      tableName: `${DATA_SCHEMA}.${name}`,
      storageKey: null,
      crs: loaded.srid,
      geometryType: loaded.geometryType,
      featureCount: loaded.featureCount,
      extent: loaded.extent,
      columns: loaded.columns,
      raster: null,
      sourceJobId: job.id,
    });
    return (inserted.identifiers[0] as { id: string }).id;
  }

  private async dropStagingTables(prefix: string): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND starts_with(tablename, $2)`,
      [DATA_SCHEMA, prefix],
    )) as { tablename: string }[];
    for (const row of rows) await this.dropTable(row.tablename);
  }

  private async dropTable(table: string): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${quote(DATA_SCHEMA)}.${quote(table)} CASCADE`);
  }
}

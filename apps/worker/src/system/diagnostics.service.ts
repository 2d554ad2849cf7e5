import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { sleep } from '@app/common';
import type { GdalSelfTest } from '@app/contracts';
import { JobStatus, JobStep, type CompletionUpdate } from '@app/jobs';
import type { DiagnosticsPayload } from '@app/queues';
import { GdalTaskRunner } from '../ingest/gdal-task.runner.js';
import { PermanentJobError, TransientJobError } from '../runtime/job-errors.js';
import type { JobContext } from '../runtime/job-runner.service.js';

/** Side of the raster the GDAL self-test writes and reads back. */
const GRID = 16;

/**
 * Walks a job through the same checkpoints a real ingest has, using GDAL (in a child process, as every
 * GDAL task) and the database for real.
 */
@Injectable()
export class DiagnosticsService {
  constructor(private readonly gdal: GdalTaskRunner) {}

  async run(ctx: JobContext, payload: DiagnosticsPayload): Promise<CompletionUpdate> {
    await ctx.progress({ step: JobStep.CheckingGdal, progress: 0, rowsTotal: payload.steps, rowsProcessed: 0 });
    const info = await this.gdal.start<GdalSelfTest>({ kind: 'self-test', size: GRID }).result;
    if (!info.roundTripOk) {
      throw new PermanentJobError('gdal-self-test-failed', 'GDAL returned different pixels than were written.');
    }
    for (let step = 1; step <= payload.steps; step += 1) {
      await ctx.checkpoint();
      if (step === 1 && payload.failWith === 'permanent') {
        throw new PermanentJobError('injected-failure', 'Diagnostics: injected permanent failure.');
      }
      if (step === 1 && payload.failWith === 'transient' && !ctx.isLastAttempt) {
        throw new TransientJobError('Diagnostics: injected transient failure.');
      }
      await sleep(payload.stepMs);
      await ctx.progress({
        step: `step-${step}-of-${payload.steps}`,
        progress: step / payload.steps,
        rowsProcessed: step,
      });
    }
    return {
      status: JobStatus.Completed,
      rowsProcessed: payload.steps,
      result: {
        gdal_version: info.version,
        gdal_bundled: info.bundled,
        gdal_drivers: info.drivers,
        attempts: ctx.attempt,
        worker: `${hostname()}:${process.pid}`,
      },
    };
  }
}

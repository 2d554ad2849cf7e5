import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import type { GdalSelfTest } from '@app/contracts';
import { sleep, withTimeout } from '@app/common';
import { pingDatabase } from '@app/jobs';
import { RedisClient } from '@app/queues';
import { Storage } from '@app/storage';
import type { DataSource } from 'typeorm';
import { GdalTaskRunner } from '../ingest/gdal-task.runner.js';

const CHECK_TIMEOUT_MS = 3000;

/** Blocks job consumption until PostgreSQL, Redis, storage and GDAL all answer. */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger(ReadinessService.name);
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisClient,
    private readonly storage: Storage,
    private readonly gdal: GdalTaskRunner,
  ) {}

  /** GDAL's version, as the last successful GDAL check found it. */
  private gdalVersion: string | undefined;

  /** A GDAL child starts and round-trips pixels (killed if it does not answer in time; no spare kept). */
  private async checkGdal(): Promise<void> {
    const running = this.gdal.start<GdalSelfTest>({ kind: 'self-test', size: 4 }, {}, { spare: false });
    try {
      const result = await withTimeout(running.result, CHECK_TIMEOUT_MS, 'gdal');
      if (!result.roundTripOk) throw new Error('GDAL self-test returned different pixels than were written');
      this.gdalVersion = result.version;
    } finally {
      running.kill();
    }
  }

  /**
   * Names of the dependencies that are down right now. `gdal: false` skips the GDAL self-test (it forks
   * a process): orchestrator probes call this every few seconds.
   */
  async failingChecks({ gdal = true }: { gdal?: boolean } = {}): Promise<string[]> {
    const checks: [string, () => Promise<unknown>][] = [
      ['database', () => pingDatabase(this.dataSource)],
      ['redis', () => this.redis.ping()],
      ['storage', () => this.storage.check()],
      ...(gdal ? [['gdal', () => this.checkGdal()] as [string, () => Promise<unknown>]] : []),
    ];
    const results = await Promise.all(
      checks.map(async ([name, check]) =>
        withTimeout(check(), CHECK_TIMEOUT_MS, name).then(
          () => null,
          () => name,
        ),
      ),
    );
    return results.filter((r): r is string => r !== null);
  }

  /** Resolves true once everything is up; false if the process began shutting down first. */
  async waitUntilReady(): Promise<boolean> {
    for (let round = 0; !this.stopped; round += 1) {
      const failing = await this.failingChecks();
      if (failing.length === 0) {
        this.logger.log({ gdal: this.gdalVersion }, 'dependencies ready');
        return true;
      }
      this.logger.warn({ failing, round }, 'waiting for dependencies before taking jobs');
      await sleep(this.config.worker.readinessRetryMs);
    }
    return false;
  }

  stop(): void {
    this.stopped = true;
  }
}

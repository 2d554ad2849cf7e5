import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { dataSourceOptions } from './data-source.js';
import { JobRepository } from './repositories/job.repository.js';
import { DatasetRepository } from './repositories/dataset.repository.js';
import { VrtRepository } from './repositories/vrt.repository.js';
import { ImportRunQueries } from './repositories/import-run-queries.repository.js';
import { ImportRunRepository } from './repositories/import-run.repository.js';

/** The database connection and the job-domain repositories, for one named application. */
@Module({})
export class JobsModule {
  /**
   * `lazyConnect`: the connection is opened by the first readiness check instead of at boot, so a
   * worker started before PostgreSQL waits for it rather than crashing.
   */
  static forApp(applicationName: string, options: { lazyConnect?: boolean } = {}): DynamicModule {
    return {
      module: JobsModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(config, applicationName),
            manualInitialization: options.lazyConnect ?? false,
          }),
        }),
      ],
      providers: [JobRepository, DatasetRepository, VrtRepository, ImportRunRepository, ImportRunQueries],
      exports: [JobRepository, DatasetRepository, VrtRepository, ImportRunRepository, ImportRunQueries],
    };
  }
}

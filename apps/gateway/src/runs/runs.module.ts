import { Module, type DynamicModule } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ImportersModule } from '@app/importers';
import { SsrfModule } from '@app/security';
import { IngestApiModule } from '../ingest/ingest.module.js';
import { JobsApiModule } from '../jobs/jobs.module.js';
import { RunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';

/** The gateway serves everything under this prefix (app.setup.ts); the runs path is given in full. */
const GLOBAL_PREFIX = 'api/';

@Module({})
export class RunsApiModule {
  /**
   * The runs API at `apiPrefix` (INGEST_API_PREFIX, e.g. `api/v1/ingest`). `withHttp: false` gives the
   * service alone, for the CLI.
   */
  static register(apiPrefix: string, options: { withHttp?: boolean } = {}): DynamicModule {
    Reflect.defineMetadata(PATH_METADATA, apiPrefix.replace(/^\/+/, '').slice(GLOBAL_PREFIX.length), RunsController);
    return {
      module: RunsApiModule,
      imports: [IngestApiModule, JobsApiModule, SsrfModule, ImportersModule],
      controllers: options.withHttp === false ? [] : [RunsController],
      providers: [RunsService],
      exports: [RunsService],
    };
  }
}

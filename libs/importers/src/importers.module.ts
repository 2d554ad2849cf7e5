import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ImporterCatalog, loadImporterCatalog } from './importer-catalog.js';

/** Provides the ImporterCatalog of IMPORTERS_DIR (needs the global ConfigModule). */
@Module({
  providers: [
    {
      provide: ImporterCatalog,
      useFactory: (config: AppConfig) => loadImporterCatalog(config.importers.dir),
      inject: [AppConfig],
    },
  ],
  exports: [ImporterCatalog],
})
export class ImportersModule {}

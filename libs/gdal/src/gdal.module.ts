import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { configureGdalForStorage } from './gdal-storage.js';
import { GdalService } from './gdal.service.js';

/** GDAL's storage settings are process-wide, so they are applied once, as the service is created. */
function createGdalService(config: AppConfig): GdalService {
  configureGdalForStorage(config);
  return new GdalService();
}

@Module({
  providers: [{ provide: GdalService, inject: [AppConfig], useFactory: createGdalService }],
  exports: [GdalService],
})
export class GdalModule {}

import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, StorageDriverName } from '@app/config';
import { LocalStorage } from './drivers/local.storage.js';
import { S3Storage } from './drivers/s3.storage.js';
import { Storage } from './storage.js';

export function createStorage(config: AppConfig): Storage {
  if (config.storage.driver === StorageDriverName.S3) return S3Storage.fromConfig(config.storage);
  return new LocalStorage(config.storage.root);
}

@Module({})
export class StorageModule {
  static forRoot(): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      providers: [{ provide: Storage, inject: [AppConfig], useFactory: createStorage }],
      exports: [Storage],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, StorageDriverName } from '@app/config';
import { LocalStorage } from './drivers/local.storage.js';
import { Storage } from './storage.js';

/**
 * The configured driver. The S3 driver (and the AWS SDK, about 20 MiB of a process's memory) is loaded
 * only when it is the one configured, so a process on local storage never carries it.
 */
export async function createStorage(config: AppConfig): Promise<Storage> {
  if (config.storage.driver === StorageDriverName.S3) {
    const { S3Storage } = await import('./drivers/s3.storage.js');
    return S3Storage.fromConfig(config.storage);
  }
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

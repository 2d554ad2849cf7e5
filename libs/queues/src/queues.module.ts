import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { AppConfig } from '@app/config';
import { JobProducer } from './job-producer.js';
import { ALL_QUEUES } from './queue-names.js';
import { QueueErrorLog } from './queue-errors.js';
import { RedisClient, redisConnectionOptions } from './redis.js';
import { ServiceTokenStore } from './service-token.store.js';

/** BullMQ connection plus every queue (registered from the enum, so none can be forgotten). */
@Module({})
export class QueuesModule {
  static forRoot(): DynamicModule {
    return {
      module: QueuesModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connection: redisConnectionOptions(config),
            prefix: config.redis.prefix,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      providers: [JobProducer, RedisClient, ServiceTokenStore, QueueErrorLog],
      exports: [JobProducer, RedisClient, ServiceTokenStore, BullModule],
    };
  }
}

import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Redis } from 'ioredis';

export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

/** ioredis options from REDIS_URL (BullMQ itself sets `maxRetriesPerRequest: null` on blocking connections). */
export function redisConnectionOptions(config: AppConfig): RedisEndpoint {
  const url = new URL(config.redis.url);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    db: Number.isInteger(db) ? db : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A small Redis connection of our own for health pings and locks. It fails commands fast while Redis is
 * down (instead of queueing them), so a readiness check answers "down" rather than hanging.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: Redis;

  constructor(config: AppConfig) {
    this.redis = new Redis({
      ...redisConnectionOptions(config),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectionName: 'strata-control',
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on('error', () => undefined); // reported through failing commands, not as unhandled events
  }

  async ping(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    const reply = await this.redis.ping();
    if (reply !== 'PONG') throw new Error('unexpected PING reply');
  }

  /** SET NX PX: true when this process got the lock. */
  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return (await this.redis.set(key, String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end' && this.redis.status !== 'wait') await this.redis.quit().catch(() => undefined);
  }
}

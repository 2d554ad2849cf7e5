import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RedisClient } from './redis.js';

/** How long a token handed over at preview or commit stays available to the worker. */
export const SERVICE_TOKEN_TTL_SECONDS = 3600;

/**
 * The one-time hand-off of a remote service's token from the gateway to the worker: a Redis entry with
 * an expiry, keyed by job id, never a job row or a queue payload. A preview leaves it for the commit;
 * a commit may replace it (a fresh token); the worker removes it when the job ends.
 */
@Injectable()
export class ServiceTokenStore {
  constructor(
    private readonly client: RedisClient,
    private readonly config: AppConfig,
  ) {}

  private key(jobId: string): string {
    return `${this.config.redis.prefix}:service-token:${jobId}`;
  }

  private async redis(): Promise<RedisClient['redis']> {
    if (this.client.redis.status === 'wait') await this.client.redis.connect();
    return this.client.redis;
  }

  async put(jobId: string, token: string, ttlSeconds: number): Promise<void> {
    await (await this.redis()).set(this.key(jobId), token, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  /** The token, or null when none was given (or it expired). */
  async get(jobId: string): Promise<string | null> {
    return (await this.redis()).get(this.key(jobId));
  }

  async drop(jobId: string): Promise<void> {
    await (await this.redis()).del(this.key(jobId));
  }
}

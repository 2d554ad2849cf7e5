import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RedisClient } from './redis.js';

/** How long a token handed over at preview or commit stays available to the worker. */
export const SERVICE_TOKEN_TTL_SECONDS = 3600;

const VERSION = 'v1';

/**
 * Seals a token for job `jobId`: AES-256-GCM with a fresh 96-bit nonce, the job id as associated data
 * (an entry copied under another job's key does not open). `v1.<nonce>.<tag>.<ciphertext>`, base64url.
 */
export function sealServiceToken(key: Buffer, jobId: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(jobId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The token sealed for `jobId`, or null when the entry does not open (other key, other job, tampered). */
export function openServiceToken(key: Buffer, jobId: string, entry: string): string | null {
  const [version, iv, tag, sealed, extra] = entry.split('.');
  if (version !== VERSION || !iv || !tag || sealed === undefined || extra !== undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(jobId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * The one-time hand-off of a remote service's token from the gateway to the worker: a Redis entry with
 * an expiry, keyed by job id, never a job row or a queue payload, and encrypted (SERVICE_TOKEN_KEY), so
 * a Redis dump or replica holds no usable token. A preview leaves it for the commit; a commit may
 * replace it (a fresh token); the worker removes it when the job ends.
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
    const entry = sealServiceToken(this.config.remote.tokenKey, jobId, token);
    await (await this.redis()).set(this.key(jobId), entry, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  /**
   * The token, or null when none was given (or it expired). An entry that does not open (the key was
   * rotated) counts as none: the service then refuses the read and the user supplies a fresh token.
   */
  async get(jobId: string): Promise<string | null> {
    const entry = await (await this.redis()).get(this.key(jobId));
    return entry === null ? null : openServiceToken(this.config.remote.tokenKey, jobId, entry);
  }

  async drop(jobId: string): Promise<void> {
    await (await this.redis()).del(this.key(jobId));
  }
}

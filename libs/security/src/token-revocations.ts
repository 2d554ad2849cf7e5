import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { UUID_PATTERN, withTimeout } from '@app/common';
import { redisConnectionOptions, type RedisEndpoint } from '@app/queues';
import { Redis } from 'ioredis';

const ANNOUNCE_TIMEOUT_MS = 3000;

/** What the token service does with what the channel says. */
export interface RevocationListener {
  /** Another (or this) process revoked the token with this id. */
  revoked(tokenId: string): void;
  /**
   * The subscription started (true) or was lost (false). Either way revocations may have been missed:
   * nothing cached before can be trusted any more.
   */
  listeningChanged(listening: boolean): void;
}

/**
 * Revocations broadcast over Redis pub/sub (`<QUEUE_PREFIX>:token-revoked`, the token id as the message),
 * so every gateway and worker drops a revoked token from its cache at once. The subscription is opened on
 * demand (a process that never verifies a token, like the CLI, only publishes) and renewed after Redis
 * comes back; `listening` is false while it is not confirmed, and the token service caches nothing then.
 */
@Injectable()
export class TokenRevocations implements OnApplicationShutdown {
  readonly channel: string;
  private readonly endpoint: RedisEndpoint;
  private subscriber: Redis | undefined;
  private publisher: Redis | undefined;
  private listener: RevocationListener | undefined;
  private subscribed = false;
  private closing = false;

  constructor(config: AppConfig) {
    this.endpoint = redisConnectionOptions(config);
    this.channel = `${config.redis.prefix}:token-revoked`;
  }

  get listening(): boolean {
    return this.subscribed;
  }

  /** True once the process is shutting the channel down on purpose. */
  get closed(): boolean {
    return this.closing;
  }

  /** Subscribes (once) and reports to `listener`; returns at once, the subscription is confirmed later. */
  listen(listener: RevocationListener): void {
    this.listener = listener;
    if (this.subscriber || this.closing) return;
    const subscriber = new Redis({
      ...this.endpoint,
      connectionName: 'strata-token-revocations',
      // Re-subscribed by hand on every `ready`, so `listening` turns true only once Redis confirmed it.
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // a lost connection shows as `close`; it reconnects by itself
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => this.setSubscribed(subscriber.status === 'ready'),
        () => this.setSubscribed(false),
      );
    });
    subscriber.on('close', () => this.setSubscribed(false));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel && UUID_PATTERN.test(message)) this.listener?.revoked(message);
    });
  }

  /** Tells every process that `tokenId` is revoked; false when Redis could not take the message. */
  async announce(tokenId: string): Promise<boolean> {
    if (!this.publisher) {
      this.publisher = new Redis({
        ...this.endpoint,
        connectionName: 'strata-token-revocations-publisher',
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: ANNOUNCE_TIMEOUT_MS,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      this.publisher.on('error', () => undefined);
    }
    const publisher = this.publisher;
    try {
      await withTimeout(
        (async () => {
          if (publisher.status === 'wait') await publisher.connect();
          await publisher.publish(this.channel, tokenId);
        })(),
        ANNOUNCE_TIMEOUT_MS,
        'announcing a token revocation',
      );
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    const connections = [this.subscriber, this.publisher].filter((c): c is Redis => c !== undefined);
    this.subscriber = undefined;
    this.publisher = undefined;
    this.setSubscribed(false);
    await Promise.all(
      connections.map((c) => (c.status === 'ready' ? c.quit().then(() => undefined) : Promise.resolve(c.disconnect()))),
    ).catch(() => undefined);
  }

  private setSubscribed(subscribed: boolean): void {
    if (this.subscribed === subscribed) return;
    this.subscribed = subscribed;
    this.listener?.listeningChanged(subscribed);
  }
}

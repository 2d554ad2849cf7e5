import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';

/**
 * Runs once per `vitest run`. The database was recreated and migrated by scripts/test.sh; here we only
 * make sure the run leaves nothing behind: its BullMQ keys and its storage directory.
 */
export default function setup(): () => Promise<void> {
  return async () => {
    const prefix = process.env.QUEUE_PREFIX;
    if (prefix?.startsWith('strata-test-')) {
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    }
    const storage = process.env.STORAGE_LOCAL_ROOT;
    if (storage?.includes('test-storage')) await rm(storage, { recursive: true, force: true });
  };
}

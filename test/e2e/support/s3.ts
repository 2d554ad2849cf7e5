import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

/** How to reach an S3 server and sign for it. */
export interface S3TestEnv {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

function readAccountFile(): Record<string, string> {
  const text = readFileSync(new URL('../../services/swift/account.env', import.meta.url), 'utf8');
  const entries = text
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!] as const);
  return Object.fromEntries(entries);
}

const account = readAccountFile();

/**
 * The account of the test Swift (test/services/swift/start.sh), read from test/services/swift/account.env:
 * the one place that names it, which start.sh, scripts/test.sh and bench/support.mjs read too. For a
 * Swift a spec starts itself; the shared one is reached through `s3TestEnv()`.
 */
export const SWIFT_ACCOUNT = {
  accessKeyId: `${account.SWIFT_S3_ACCOUNT}:${account.SWIFT_S3_USER}`,
  secretAccessKey: account.SWIFT_S3_SECRET ?? '',
  region: account.SWIFT_S3_REGION ?? '',
};

/** The shared test S3 server (Swift's s3api), as scripts/test.sh exports it; throws when it is not set. */
export function s3TestEnv(why = ''): S3TestEnv {
  const endpoint = process.env.S3_TEST_ENDPOINT;
  const accessKeyId = process.env.S3_TEST_ACCESS_KEY_ID;
  const secretAccessKey = process.env.S3_TEST_SECRET_ACCESS_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new Error(
      `S3_TEST_ENDPOINT, S3_TEST_ACCESS_KEY_ID and S3_TEST_SECRET_ACCESS_KEY must be set (scripts/test.sh starts Swift and sets them)${why ? `: ${why}` : ''}`,
    );
  }
  return { endpoint, accessKeyId, secretAccessKey, region: process.env.S3_TEST_REGION ?? 'us-east-1' };
}

/** A bucket of a spec's own on a test S3 server, with an admin client to inspect and empty it. */
export class TestBucket {
  private constructor(
    readonly env: S3TestEnv,
    readonly s3: S3Client,
    readonly name: string,
  ) {}

  /** Creates `<prefix>-<random>` on `env`'s server (the shared one by default). */
  static async create(
    prefix: string,
    env: S3TestEnv = s3TestEnv(),
    client: { maxAttempts?: number } = {},
  ): Promise<TestBucket> {
    const s3 = new S3Client({
      endpoint: env.endpoint,
      region: env.region,
      forcePathStyle: true,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      ...client,
    });
    const name = `${prefix}-${randomUUID().slice(0, 8)}`;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    } catch (error) {
      s3.destroy();
      throw error;
    }
    return new TestBucket(env, s3, name);
  }

  /** Gateway and worker settings for the S3 driver on this bucket, reached at `endpoint`. */
  stackEnv(endpoint = this.env.endpoint): Record<string, string> {
    return {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: this.env.region,
      S3_BUCKET: this.name,
      S3_ACCESS_KEY_ID: this.env.accessKeyId,
      S3_SECRET_ACCESS_KEY: this.env.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    };
  }

  /** The keys stored under `prefix`, sorted. */
  async keys(prefix = ''): Promise<string[]> {
    const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  /** Empties and deletes the bucket; the client is closed whether or not that succeeds. */
  async drop(): Promise<void> {
    try {
      const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: this.name }));
      for (const object of listed.Contents ?? [])
        await this.s3.send(new DeleteObjectCommand({ Bucket: this.name, Key: object.Key }));
      await this.s3.send(new DeleteBucketCommand({ Bucket: this.name }));
    } finally {
      this.s3.destroy();
    }
  }
}

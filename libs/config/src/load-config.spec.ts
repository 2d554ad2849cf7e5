import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseConfig } from './load-config.js';

const KEY = 'ab'.repeat(32);

/** Runs parseConfig expecting a validation failure and returns the error. */
function configError(env: Record<string, string | undefined>): ConfigValidationError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('parseConfig accepted an invalid environment');
}

describe('parseConfig', () => {
  it('fills every setting with its default from an empty environment', () => {
    // A subset match, so a newly added setting does not break this test; its default deserves its own line here.
    expect(parseConfig({})).toMatchObject({
      env: 'development',
      http: { port: 3000, host: '0.0.0.0' },
      log: { level: 'info', pretty: true },
      database: { url: 'postgres://strata:strata@127.0.0.1:5432/strata', poolSize: 10 },
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'strata' },
      storage: { driver: 'local', root: './var/storage' },
      importers: { dir: 'importers' },
      worker: {
        queues: [],
        concurrency: 2,
        shutdownTimeoutMs: 60000,
        readinessRetryMs: 2000,
        sweeperIntervalMs: 30000,
        sweeperGraceMs: 10000,
        gdal: {
          cacheMax: '16',
          spareIdleMs: 30000,
          taskTimeoutMs: 7_200_000,
          rasterMaxPixels: 1e10,
          geojsonMaxObjectMb: 64,
        },
        heapTargetMb: 128,
      },
      jobs: { attempts: 5, backoffMs: 2000 },
      remote: { ssrfAllowlist: [], connectTimeoutMs: 5000, timeoutMs: 15000, maxResponseBytes: 32 * 1024 ** 2 },
      ingestRuns: { apiPrefix: 'api/v1/ingest' },
    });
  });

  it('leaves tracing off unless an OTLP endpoint is named, and refuses endpoints that are not http(s) URLs', () => {
    expect(parseConfig({}).tracing).toEqual({ tracesUrl: null, serviceName: null });
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing.tracesUrl).toBe(
      'http://127.0.0.1:4318/v1/traces',
    );
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318/' }).tracing.tracesUrl).toBe(
      'http://otel-collector:4318/v1/traces',
    );
    expect(
      parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).tracing.tracesUrl,
    ).toBeNull();
    expect(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT: isUrl',
    ]);
    expect(configError({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }).problems).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: isUrl',
    ]);
  });

  it('bounds a GDAL step or a source read in time (SOURCE_READ_TIMEOUT_MS) and a raster in pixels (RASTER_MAX_PIXELS)', () => {
    const gdal = parseConfig({ SOURCE_READ_TIMEOUT_MS: '90000', RASTER_MAX_PIXELS: '1000000' }).worker.gdal;
    expect(gdal.taskTimeoutMs).toBe(90_000);
    expect(gdal.rasterMaxPixels).toBe(1_000_000);
    expect(configError({ RASTER_MAX_PIXELS: '0' }).problems).toEqual(['RASTER_MAX_PIXELS: min']);
    expect(configError({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' }).problems).toEqual(['HTTP_KEEP_ALIVE_TIMEOUT_MS: min']);
    expect(configError({ SOURCE_READ_TIMEOUT_MS: '10' }).problems).toEqual(['SOURCE_READ_TIMEOUT_MS: min']);
  });

  it("sizes the GDAL children's block cache in MiB or percent, and keeps an idle spare for seconds (0: none)", () => {
    expect(parseConfig({ GDAL_CACHEMAX: '256', GDAL_SPARE_IDLE_SECONDS: '0' }).worker.gdal).toEqual({
      cacheMax: '256',
      spareIdleMs: 0,
      taskTimeoutMs: 7_200_000,
      rasterMaxPixels: 1e10,
      geojsonMaxObjectMb: 64,
    });
    expect(parseConfig({ GDAL_CACHEMAX: '5%' }).worker.gdal.cacheMax).toBe('5%');
    for (const bad of ['0', '-1', '64MB', '100%', '1.5', 'lots', '', '100000']) {
      expect(configError({ GDAL_CACHEMAX: bad }).problems, bad).toEqual(['GDAL_CACHEMAX: matches']);
    }
    expect(configError({ GDAL_SPARE_IDLE_SECONDS: '-1' }).problems).toEqual(['GDAL_SPARE_IDLE_SECONDS: min']);
  });

  it('takes another ingest-runs path under api/ only', () => {
    expect(parseConfig({ INGEST_API_PREFIX: 'api/v2/imports' }).ingestRuns.apiPrefix).toBe('api/v2/imports');
    for (const bad of ['v1/ingest', '/api/v1/ingest', 'api', 'api/v1/ingest/', 'api/../x']) {
      expect(configError({ INGEST_API_PREFIX: bad }).problems, bad).toEqual(['INGEST_API_PREFIX: matches']);
    }
  });

  it('splits SSRF_ALLOWLIST into hosts, addresses and CIDR blocks and refuses anything else', () => {
    expect(
      parseConfig({ SSRF_ALLOWLIST: ' 127.0.0.1, 10.20.0.0/16 ,wfs.internal,::1,fd00::/8' }).remote.ssrfAllowlist,
    ).toEqual(['127.0.0.1', '10.20.0.0/16', 'wfs.internal', '::1', 'fd00::/8']);
    expect(configError({ SSRF_ALLOWLIST: 'http://wfs.internal/' }).problems).toEqual([
      expect.stringMatching(/^SSRF_ALLOWLIST: /),
    ]);
    expect(configError({ SSRF_ALLOWLIST: '10.0.0.0/8;evil' }).problems).toEqual([
      expect.stringMatching(/^SSRF_ALLOWLIST: /),
    ]);
  });

  it('treats undefined entries as absent and ignores unrelated variables', () => {
    const config = parseConfig({ PORT: undefined, PATH: '/usr/bin', HOME: '/root', DATABASE_POOL_SIZE: undefined });
    expect(config.http.port).toBe(3000);
    // Above the 60 s idle timeout of most load balancers.
    expect(config.http.keepAliveTimeoutMs).toBe(65000);
    expect(config.database.poolSize).toBe(10);
  });

  it('coerces numeric settings from strings', () => {
    const config = parseConfig({
      PORT: '8080',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '75000',
      DATABASE_POOL_SIZE: '25',
      WORKER_CONCURRENCY: '8',
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '500',
      SWEEPER_INTERVAL_MS: '0',
      SWEEPER_GRACE_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '120000',
      READINESS_RETRY_MS: '250',
    });
    expect(config.http.port).toBe(8080);
    expect(config.http.keepAliveTimeoutMs).toBe(75000);
    expect(config.database.poolSize).toBe(25);
    expect(config.worker).toMatchObject({
      concurrency: 8,
      sweeperIntervalMs: 0,
      sweeperGraceMs: 1500,
      shutdownTimeoutMs: 120000,
      readinessRetryMs: 250,
    });
    expect(config.jobs).toEqual({ attempts: 3, backoffMs: 500 });
  });

  it('passes strings through', () => {
    const config = parseConfig({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://app:pw@db:5432/strata',
      REDIS_URL: 'rediss://cache:6380/2',
      QUEUE_PREFIX: 'strata-staging',
      STORAGE_LOCAL_ROOT: '/data/strata',
    });
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.log.level).toBe('debug');
    expect(config.database.url).toBe('postgresql://app:pw@db:5432/strata');
    expect(config.redis).toEqual({ url: 'rediss://cache:6380/2', prefix: 'strata-staging' });
    expect(config.storage).toEqual({ driver: 'local', root: '/data/strata' });
  });

  describe('booleans', () => {
    it.each([
      { value: 'true', expected: true },
      { value: 'TRUE', expected: true },
      { value: '1', expected: true },
      { value: 'yes', expected: true },
      { value: ' on ', expected: true },
      { value: 'false', expected: false },
      { value: 'False', expected: false },
      { value: '0', expected: false },
      { value: 'no', expected: false },
      { value: 'off', expected: false },
      { value: '', expected: false },
    ])('LOG_PRETTY=$value → $expected', ({ value, expected }) => {
      expect(parseConfig({ NODE_ENV: 'production', SERVICE_TOKEN_KEY: KEY, LOG_PRETTY: value }).log.pretty).toBe(
        expected,
      );
      expect(parseConfig({ NODE_ENV: 'development', LOG_PRETTY: value }).log.pretty).toBe(expected);
    });

    it.each([
      { value: 'true', expected: true },
      { value: '0', expected: false },
      { value: 'off', expected: false },
    ])('S3_FORCE_PATH_STYLE=$value → $expected', ({ value, expected }) => {
      const config = parseConfig({
        STORAGE_DRIVER: 's3',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: value,
      });
      expect(config.storage).toMatchObject({ driver: 's3', forcePathStyle: expected });
    });

    it.each(['maybe', '2', 'enabled'])('rejects %j as a boolean', (value) => {
      expect(configError({ LOG_PRETTY: value }).problems).toEqual(['LOG_PRETTY: isBoolean']);
    });
  });

  describe('LOG_PRETTY default', () => {
    it.each([
      { NODE_ENV: 'development', pretty: true },
      { NODE_ENV: 'production', pretty: false },
      { NODE_ENV: 'test', pretty: false },
    ])('is $pretty when NODE_ENV=$NODE_ENV', ({ NODE_ENV, pretty }) => {
      const config = parseConfig({ NODE_ENV, SERVICE_TOKEN_KEY: KEY });
      expect(config.env).toBe(NODE_ENV);
      expect(config.log.pretty).toBe(pretty);
    });
  });

  describe('WORKER_QUEUES', () => {
    it.each([
      { value: '', queues: [] },
      { value: 'ingest', queues: ['ingest'] },
      { value: 'ingest,vrt', queues: ['ingest', 'vrt'] },
      { value: ' ingest , vrt ,, system ,', queues: ['ingest', 'vrt', 'system'] },
      { value: ' , ', queues: [] },
    ])('$value → $queues', ({ value, queues }) => {
      expect(parseConfig({ WORKER_QUEUES: value }).worker.queues).toEqual(queues);
    });
  });

  describe('S3 storage', () => {
    it('builds the S3 settings when both keys are present', () => {
      const config = parseConfig({
        STORAGE_DRIVER: 's3',
        S3_ENDPOINT: 'http://minio:9000',
        S3_REGION: 'eu-west-1',
        S3_BUCKET: 'geo',
        S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI',
      });
      expect(config.storage).toEqual({
        driver: 's3',
        endpoint: 'http://minio:9000',
        region: 'eu-west-1',
        bucket: 'geo',
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI',
        forcePathStyle: true,
      });
    });

    it.each([
      { keys: {} },
      { keys: { S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' } },
      { keys: { S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI' } },
    ])('requires both keys (given $keys)', ({ keys }) => {
      const error = configError({ STORAGE_DRIVER: 's3', ...keys });
      expect(error.problems).toEqual(['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required when STORAGE_DRIVER=s3']);
      expect(error.message).not.toContain('AKIAEXAMPLE');
      expect(error.message).not.toContain('wJalrXUtnFEMI');
    });

    it('does not need S3 keys for local storage', () => {
      expect(parseConfig({ STORAGE_DRIVER: 'local' }).storage.driver).toBe('local');
    });
  });

  describe('invalid values', () => {
    it.each([
      { name: 'NODE_ENV', value: 'staging' },
      { name: 'PORT', value: 'eighty' },
      { name: 'PORT', value: '0' },
      { name: 'PORT', value: '70000' },
      { name: 'PORT', value: '80.5' },
      { name: 'LOG_LEVEL', value: 'verbose' },
      { name: 'DATABASE_URL', value: 'mysql://root:hunter2@db/strata' },
      { name: 'DATABASE_POOL_SIZE', value: '201' },
      { name: 'REDIS_URL', value: 'http://cache:6379' },
      { name: 'QUEUE_PREFIX', value: 'has space' },
      { name: 'STORAGE_DRIVER', value: 'gcs' },
      { name: 'STORAGE_LOCAL_ROOT', value: '' },
      { name: 'WORKER_CONCURRENCY', value: '65' },
      { name: 'JOB_ATTEMPTS', value: '0' },
      { name: 'JOB_BACKOFF_MS', value: '5' },
      { name: 'SWEEPER_INTERVAL_MS', value: '-1' },
      { name: 'READINESS_RETRY_MS', value: '99' },
    ])('$name=$value is reported by name', ({ name, value }) => {
      const error = configError({ [name]: value });
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect(error.name).toBe('ConfigValidationError');
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^${name}: `));
      expect(error.message).toContain(name);
    });

    it('never puts values in the message, even a database password', () => {
      const error = configError({
        DATABASE_URL: 'mysql://root:Sup3r-S3cret-Pw@db.internal:3306/strata',
        REDIS_URL: 'http://:redis-token-xyz@cache.internal',
        PORT: 'not-a-port-1234',
      });
      const text = `${error.message}\n${error.problems.join('\n')}\n${String(error.stack)}`;
      for (const leaked of [
        'Sup3r-S3cret-Pw',
        'db.internal',
        'mysql://',
        'redis-token-xyz',
        'cache.internal',
        '1234',
      ]) {
        expect(text).not.toContain(leaked);
      }
    });

    it('lists every wrong variable at once', () => {
      const error = configError({ PORT: 'x', LOG_LEVEL: 'loud', STORAGE_DRIVER: 's3' });
      expect(error.problems).toHaveLength(3);
      expect(error.problems[0]).toMatch(/^PORT: /);
      expect(error.problems[1]).toMatch(/^LOG_LEVEL: /);
      expect(error.problems[2]).toMatch(/^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required/);
      expect(error.message).toMatch(/^Invalid configuration:\n {2}- PORT: /);
    });
  });
  describe('SERVICE_TOKEN_KEY', () => {
    it('is required in production, and only there', () => {
      expect(configError({ NODE_ENV: 'production' }).problems).toEqual(['SERVICE_TOKEN_KEY is required in production']);
      expect(parseConfig({ NODE_ENV: 'test' }).remote.tokenKey).toHaveLength(32);
    });

    it('reads 64 hex digits or base64 of 32 bytes, and nothing else', () => {
      expect(parseConfig({ SERVICE_TOKEN_KEY: KEY }).remote.tokenKey).toEqual(Buffer.alloc(32, 0xab));
      const b64 = Buffer.alloc(32, 7).toString('base64');
      expect(parseConfig({ SERVICE_TOKEN_KEY: b64 }).remote.tokenKey).toEqual(Buffer.alloc(32, 7));
      for (const bad of ['ab'.repeat(16), 'not a key', Buffer.alloc(16).toString('base64')]) {
        expect(configError({ SERVICE_TOKEN_KEY: bad }).problems).toEqual(['SERVICE_TOKEN_KEY: matches']);
      }
    });

    it('without one, gateway and worker derive the same key from DATABASE_URL, another for another database', () => {
      const a = parseConfig({ DATABASE_URL: 'postgres://u:p@db/a' }).remote.tokenKey;
      expect(parseConfig({ DATABASE_URL: 'postgres://u:p@db/a' }).remote.tokenKey).toEqual(a);
      expect(parseConfig({ DATABASE_URL: 'postgres://u:p@db/b' }).remote.tokenKey).not.toEqual(a);
    });
  });
});

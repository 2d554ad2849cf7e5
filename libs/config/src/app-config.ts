import { hkdfSync } from 'node:crypto';
import { NodeEnv, StorageDriverName, type EnvSchema } from './env.schema.js';

export interface DatabaseConfig {
  url: string;
  poolSize: number;
}

export interface RedisConfig {
  url: string;
  prefix: string;
}

export interface LocalStorageConfig {
  driver: StorageDriverName.Local;
  root: string;
}

export interface S3StorageConfig {
  driver: StorageDriverName.S3;
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export type StorageConfig = LocalStorageConfig | S3StorageConfig;

export interface WorkerConfig {
  /** Queue names to consume; empty means every queue. */
  queues: string[];
  concurrency: number;
  lockMs: number;
  /** The worker's metrics and probe server; port 0 = off. */
  metrics: { port: number; host: string };
  /**
   * GDAL children: their block cache (`GDAL_CACHEMAX` syntax), how long an idle spare is kept (0: none),
   * how long one task may run before the watchdog kills it, the largest raster a task accepts, and the
   * largest GeoJSON object GDAL parses.
   */
  gdal: {
    cacheMax: string;
    spareIdleMs: number;
    taskTimeoutMs: number;
    rasterMaxPixels: number;
    geojsonMaxObjectMb: number;
  };
  /** `WORKER_HEAP_TARGET_MB`: the heap an importer run keeps to between chunks (0: left to V8). */
  heapTargetMb: number;
  shutdownTimeoutMs: number;
  readinessRetryMs: number;
  sweeperIntervalMs: number;
  sweeperGraceMs: number;
}

export interface UploadConfig {
  maxFileSizeBytes: number;
  allowedExtensions: string[];
  presignedThresholdBytes: number;
  partSizeBytes: number;
  windowSeconds: number;
  previewTimeoutMs: number;
}

export interface RemoteServiceConfig {
  /** Raw `SSRF_ALLOWLIST` entries (hosts, addresses, CIDR blocks); parsed by the SSRF guard. */
  ssrfAllowlist: string[];
  connectTimeoutMs: number;
  timeoutMs: number;
  maxResponseBytes: number;
  /** AES-256-GCM key (32 bytes) that seals service tokens in Redis (see serviceTokenKey). */
  tokenKey: Buffer;
}

export interface QueueDashboardConfig {
  /** Lifetime of a dashboard browser session. */
  sessionSeconds: number;
  /** AES-256-GCM key sealing the session cookie, derived from the service-token key (see dashboardSessionKey). */
  sessionKey: Buffer;
}

export interface IngestRunsConfig {
  /** Full path of the runs API, e.g. `api/v1/ingest`. */
  apiPrefix: string;
}

export interface JobPolicyConfig {
  attempts: number;
  backoffMs: number;
}

export interface TracingConfig {
  /** Where spans go (OTLP/HTTP JSON); null: tracing off, no SDK loaded. */
  tracesUrl: string | null;
  /** OTEL_SERVICE_NAME, when set; otherwise each app names itself. */
  serviceName: string | null;
}

/** Typed, validated configuration. Injected everywhere by class token; nothing else reads `process.env`. */
export class AppConfig {
  readonly env: NodeEnv;
  /** The gateway's HTTP server: where it listens, and how long an idle keep-alive connection stays open. */
  readonly http: { port: number; host: string; keepAliveTimeoutMs: number };
  readonly log: { level: string; pretty: boolean };
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig;
  readonly storage: StorageConfig;
  readonly worker: WorkerConfig;
  readonly jobs: JobPolicyConfig;
  readonly upload: UploadConfig;
  readonly remote: RemoteServiceConfig;
  /** Importer definitions (DESIGN §4): the directory, resolved against the working directory at load time. */
  readonly importers: { dir: string };
  readonly ingestRuns: IngestRunsConfig;
  readonly queueDashboard: QueueDashboardConfig;
  readonly tracing: TracingConfig;
  /** Verified-token cache: entry lifetime (0: off). */
  readonly auth: { tokenCacheSeconds: number };

  constructor(e: EnvSchema) {
    this.env = e.NODE_ENV;
    this.http = { port: e.PORT, host: e.HOST, keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS };
    this.log = { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? e.NODE_ENV === NodeEnv.Development };
    this.database = { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE };
    this.redis = { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX };
    this.storage =
      e.STORAGE_DRIVER === StorageDriverName.S3
        ? {
            driver: StorageDriverName.S3,
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { driver: StorageDriverName.Local, root: e.STORAGE_LOCAL_ROOT };
    this.worker = {
      queues: e.WORKER_QUEUES.split(',')
        .map((q) => q.trim())
        .filter((q) => q.length > 0),
      concurrency: e.WORKER_CONCURRENCY,
      lockMs: e.WORKER_LOCK_MS,
      metrics: { port: e.WORKER_METRICS_PORT, host: e.WORKER_METRICS_HOST },
      gdal: {
        cacheMax: e.GDAL_CACHEMAX,
        spareIdleMs: e.GDAL_SPARE_IDLE_SECONDS * 1000,
        taskTimeoutMs: e.SOURCE_READ_TIMEOUT_MS,
        rasterMaxPixels: e.RASTER_MAX_PIXELS,
        geojsonMaxObjectMb: e.GEOJSON_MAX_OBJECT_MB,
      },
      heapTargetMb: e.WORKER_HEAP_TARGET_MB,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      readinessRetryMs: e.READINESS_RETRY_MS,
      sweeperIntervalMs: e.SWEEPER_INTERVAL_MS,
      sweeperGraceMs: e.SWEEPER_GRACE_MS,
    };
    this.jobs = { attempts: e.JOB_ATTEMPTS, backoffMs: e.JOB_BACKOFF_MS };
    this.upload = {
      maxFileSizeBytes: e.UPLOAD_MAX_FILE_SIZE_BYTES,
      allowedExtensions: [...new Set(e.UPLOAD_ALLOWED_EXTENSIONS.split(',').map((x) => x.trim().toLowerCase()))],
      presignedThresholdBytes: e.PRESIGNED_THRESHOLD_BYTES,
      partSizeBytes: e.PRESIGNED_PART_SIZE_BYTES,
      windowSeconds: e.UPLOAD_WINDOW_SECONDS,
      previewTimeoutMs: e.PREVIEW_TIMEOUT_MS,
    };
    this.importers = { dir: e.IMPORTERS_DIR };
    this.ingestRuns = { apiPrefix: e.INGEST_API_PREFIX };
    this.tracing = { tracesUrl: tracesUrl(e), serviceName: e.OTEL_SERVICE_NAME ?? null };
    this.remote = {
      ssrfAllowlist: e.SSRF_ALLOWLIST.split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
      connectTimeoutMs: e.REMOTE_CONNECT_TIMEOUT_MS,
      timeoutMs: e.REMOTE_TIMEOUT_MS,
      maxResponseBytes: e.REMOTE_MAX_RESPONSE_BYTES,
      tokenKey: serviceTokenKey(e.SERVICE_TOKEN_KEY, e.DATABASE_URL),
    };
    this.queueDashboard = {
      sessionSeconds: e.QUEUE_DASHBOARD_SESSION_SECONDS,
      sessionKey: dashboardSessionKey(this.remote.tokenKey),
    };
    this.auth = { tokenCacheSeconds: e.AUTH_TOKEN_CACHE_SECONDS };
  }
}

/**
 * The configured key, or (outside production, where the key is required) one derived from DATABASE_URL:
 * gateway and worker share it without setup, and it is a secret of the deployment rather than of the code.
 */
export function serviceTokenKey(configured: string | undefined, databaseUrl: string): Buffer {
  if (configured) return Buffer.from(configured, /^[0-9a-fA-F]{64}$/.test(configured) ? 'hex' : 'base64');
  return Buffer.from(hkdfSync('sha256', databaseUrl, 'strata', 'service-token-key', 32));
}

/**
 * The queue dashboard's session key: its own key (another HKDF label) from the deployment's service-token
 * key, so every gateway replica opens the others' sessions without another setting, and a session value can
 * never be mistaken for a sealed service token or the reverse.
 */
export function dashboardSessionKey(serviceKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serviceKey, 'strata', 'queue-dashboard-session', 32));
}

/** The OTLP/HTTP traces URL, as the OTEL spec derives it: the signal URL as given, else base + `/v1/traces`. */
function tracesUrl(e: EnvSchema): string | null {
  if (e.OTEL_SDK_DISABLED) return null;
  if (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!e.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  return `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

import {
  IsBoolean,
  IsEnum,
  IsHttpUrl,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ToNumber,
  Transform,
} from './env-rules.js';

export enum NodeEnv {
  Development = 'development',
  Production = 'production',
  Test = 'test',
}

export enum StorageDriverName {
  Local = 'local',
  S3 = 's3',
}

const toBoolean = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return value;
};

/**
 * Every environment variable Strata reads, with its default. Validated once at boot; a bad value stops the
 * process with a list of what is wrong. The README's configuration table mirrors this class.
 */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  /** Address the gateway binds to. */
  @IsString()
  HOST = '0.0.0.0';

  /**
   * How long the gateway keeps an idle keep-alive connection open. Above the idle timeout of whatever
   * proxies to it (60 s for most load balancers), so the proxy, not the gateway, closes an idle
   * connection: otherwise a request sent on a connection the gateway is closing fails (a reset, a 502).
   */
  @ToNumber()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Human-readable logs instead of JSON lines (defaults to on in development). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  LOG_PRETTY?: boolean;

  @IsString()
  @Matches(/^postgres(ql)?:\/\//)
  DATABASE_URL = 'postgres://strata:strata@127.0.0.1:5432/strata';

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsString()
  @Matches(/^rediss?:\/\//)
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Key prefix for every BullMQ key; lets several deployments (or test runs) share one Redis. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  QUEUE_PREFIX = 'strata';

  @IsEnum(StorageDriverName)
  STORAGE_DRIVER: StorageDriverName = StorageDriverName.Local;

  /** Root directory of the local storage driver. */
  @IsString()
  @MinLength(1)
  STORAGE_LOCAL_ROOT = './var/storage';

  @IsOptional()
  @IsString()
  S3_ENDPOINT?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @IsString()
  S3_BUCKET = 'strata';

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBoolean)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = true;

  /** Largest file accepted by uploads (streamed and presigned). */
  @ToNumber()
  @IsInt()
  @Min(1)
  UPLOAD_MAX_FILE_SIZE_BYTES = 2 * 1024 ** 3;

  /** Comma-separated file extensions uploads may have. */
  @IsString()
  @Matches(/^\s*\.[a-z0-9]+(\s*,\s*\.[a-z0-9]+)*\s*$/)
  UPLOAD_ALLOWED_EXTENSIONS = '.gpkg,.zip,.geojson,.json,.topojson,.csv,.xlsx,.tif,.tiff,.fgb,.kml';

  /** Presigned uploads at or above this size use S3 multipart. */
  @ToNumber()
  @IsInt()
  @Min(5 * 1024 ** 2)
  PRESIGNED_THRESHOLD_BYTES = 100 * 1024 ** 2;

  /** Part size of presigned multipart uploads (grown when a file would need more than 10,000 parts). */
  @ToNumber()
  @IsInt()
  @Min(5 * 1024 ** 2)
  PRESIGNED_PART_SIZE_BYTES = 10 * 1024 ** 2;

  /** How long a presigned upload may take; its URLs expire with it (SigV4 allows at most 7 days). */
  @ToNumber()
  @IsInt()
  @Min(60)
  @Max(604800)
  UPLOAD_WINDOW_SECONDS = 3600;

  /** How long the gateway waits for a worker's preview before answering 504. */
  @ToNumber()
  @IsInt()
  @Min(100)
  PREVIEW_TIMEOUT_MS = 30000;

  /**
   * Private or loopback targets the SSRF guard lets remote-service URLs reach: comma-separated host names
   * (exact) and addresses or CIDR blocks, e.g. `127.0.0.1,10.20.0.0/16,wfs.internal`. Empty by default.
   */
  @IsString()
  @Matches(/^\s*([\p{L}\p{N}.:-]+(\/\d{1,3})?\s*(,\s*[\p{L}\p{N}.:-]+(\/\d{1,3})?\s*)*)?$/u)
  SSRF_ALLOWLIST = '';

  /**
   * AES-256-GCM key for remote-service tokens while they wait in Redis for the worker: 32 bytes, as 64 hex
   * digits or base64. Required in production; elsewhere a key is derived from DATABASE_URL.
   */
  @IsOptional()
  @Matches(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/)
  SERVICE_TOKEN_KEY?: string;

  /**
   * How long a browser session of the queue dashboard (`/admin/queues`) lasts before the admin token must be
   * given again. The token itself is re-checked on every request, so revoking it ends the session at once.
   */
  @ToNumber()
  @IsInt()
  @Min(60)
  @Max(86400)
  QUEUE_DASHBOARD_SESSION_SECONDS = 3600;

  /**
   * How long a process trusts a verified bearer token without asking the database (0: never). A revocation
   * reaches every process at once over Redis; this is the bound when Redis cannot deliver it.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_TOKEN_CACHE_SECONDS = 15;

  /** Connect and total timeouts, and the size cap, of every remote-service request Strata makes itself. */
  @ToNumber()
  @IsInt()
  @Min(100)
  REMOTE_CONNECT_TIMEOUT_MS = 5000;

  @ToNumber()
  @IsInt()
  @Min(100)
  REMOTE_TIMEOUT_MS = 15000;

  @ToNumber()
  @IsInt()
  @Min(1024)
  REMOTE_MAX_RESPONSE_BYTES = 32 * 1024 ** 2;

  /**
   * Path of the ingest-runs API (seed 004). Under the gateway's `api/` prefix like every authenticated
   * route, so auth, docs and problem responses apply to it unchanged.
   */
  @IsString()
  @Matches(/^api(\/[a-z0-9][a-z0-9._-]*)+$/)
  INGEST_API_PREFIX = 'api/v1/ingest';

  /** Comma-separated queue names this worker consumes; empty means all of them. */
  @IsString()
  WORKER_QUEUES = '';

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 2;

  /**
   * How long a worker's lock on a running job lasts (renewed at half this while the worker lives). A
   * worker that dies loses its jobs to another worker after about this long plus one stalled check.
   */
  @ToNumber()
  @IsInt()
  @Min(1000)
  WORKER_LOCK_MS = 30000;

  /**
   * Port of the worker's own small HTTP server: `/metrics` (Prometheus; needs a token with the `metrics`
   * capability), `/health/live` and `/health/ready` (for orchestrator probes). 0 leaves it off.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 0;

  /** Address the worker's metrics server binds to (loopback unless the operator widens it). */
  @IsString()
  WORKER_METRICS_HOST = '127.0.0.1';

  /**
   * GDAL's block cache in each GDAL child, in MiB, or a percentage of RAM like GDAL's own `GDAL_CACHEMAX`
   * (`5%`, GDAL's default, is about 1.2 GiB on a 24 GiB machine). A COG conversion raises a MiB figure to
   * what its source needs (two rows of 512-pixel tiles of source blocks, up to 5 % of RAM), so a small
   * value bounds a child's memory without making wide rasters decode their blocks twice.
   */
  @IsString()
  @Matches(/^(?:[1-9]\d{0,4}|[1-9]\d?%)$/)
  GDAL_CACHEMAX = '16';

  /**
   * Seconds a worker keeps its pre-forked GDAL child (GDAL already loaded, about 0.2 s saved on the next
   * task) after its last GDAL task; then the child exits, so an idle worker holds none. 0: never pre-fork.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(86400)
  GDAL_SPARE_IDLE_SECONDS = 30;

  /**
   * How long one GDAL step of a job (a conversion, a load, an importer's layer export) or an importer's
   * first pass over its source (open and count) may run. Past it the worker kills the GDAL child (a
   * native call cannot be interrupted otherwise) and fails the job as too slow or malformed. Previews are
   * bounded by PREVIEW_TIMEOUT_MS instead.
   */
  @ToNumber()
  @IsInt()
  @Min(1000)
  SOURCE_READ_TIMEOUT_MS = 2 * 3600 * 1000;

  /**
   * Largest raster (width × height, in pixels) a preview or commit accepts. A GeoTIFF header can claim
   * any size in a few bytes; a larger one is refused with 422 before GDAL reads a pixel.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  RASTER_MAX_PIXELS = 1e10;

  /**
   * Largest single GeoJSON object (a feature, or a document GDAL cannot stream) a GDAL child parses, in MB
   * of GDAL's own estimate (several times the text: 64 admits a feature of about 8 MB of JSON, some 350,000
   * vertices, at about 400 MB of memory). A larger one is refused (422) instead of built as a tree of
   * gigabytes. GDAL's default is 200; 0 removes the limit.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  GEOJSON_MAX_OBJECT_MB = 64;

  /**
   * The JavaScript heap (MiB) a worker keeps to during importer runs: between chunks, once V8 holds this
   * much heap, the worker runs a full garbage collection instead of letting V8 grow it. 0 leaves it to V8.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65536)
  WORKER_HEAP_TARGET_MB = 128;

  /** Delivery attempts for a job that keeps failing with transient errors. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(50)
  JOB_ATTEMPTS = 5;

  /** First retry delay; doubles on each further attempt. */
  @ToNumber()
  @IsInt()
  @Min(10)
  JOB_BACKOFF_MS = 2000;

  /** How often a worker looks for queued jobs whose queue entry vanished. 0 turns the sweeper off. */
  @ToNumber()
  @IsInt()
  @Min(0)
  SWEEPER_INTERVAL_MS = 30000;

  /** A queued job must be at least this old before the sweeper re-enqueues it. */
  @ToNumber()
  @IsInt()
  @Min(0)
  SWEEPER_GRACE_MS = 10000;

  /** How long a worker waits for its active jobs on SIGTERM before giving up. */
  @ToNumber()
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 60000;

  /**
   * Directory of the importer definitions (`*.yaml|*.yml|*.json`), resolved from the working directory.
   * Gateway and worker load and validate every file at boot.
   */
  @IsString()
  @MinLength(1)
  IMPORTERS_DIR = 'importers';

  /** How often a worker retries its dependency checks before it starts consuming. */
  @ToNumber()
  @IsInt()
  @Min(100)
  READINESS_RETRY_MS = 2000;

  /**
   * OpenTelemetry tracing (standard OTEL names): off unless a collector is named. The OTLP/HTTP base URL
   * (`/v1/traces` is appended), or the full traces URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
   */
  @IsOptional()
  @IsHttpUrl()
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsOptional()
  @IsHttpUrl()
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** `service.name` of the spans; defaults to strata-gateway / strata-worker. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  OTEL_SERVICE_NAME?: string;

  /** The standard kill switch: true keeps tracing off even with an endpoint set. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  OTEL_SDK_DISABLED?: boolean;
}

// Generated from openapi.json by scripts/generate-client.mjs (`npm run openapi`). Do not edit.
export interface paths {
  '/api/admin/diagnostics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Run a diagnostics job through the whole pipeline
     * @description Queues a job that a worker picks up: it checks GDAL, walks through checkpointed steps reporting progress, and completes. Poll `GET /api/jobs/{id}`. Proves gateway → Redis → worker → PostgreSQL works; `fail_with` exercises retry handling.
     */
    post: operations['Admin_runDiagnostics'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the caller's datasets, newest first */
    get: operations['Datasets_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/datasets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get one dataset */
    get: operations['Datasets_get'];
    put?: never;
    post?: never;
    /**
     * Delete a dataset
     * @description Removes the dataset, its PostGIS table or its stored raster/VRT files. 409 naming the VRTs (`vrt_ids`) while a VRT uses it as a source, or a staged VRT change or creation would: remove it from them first. A VRT's own sources are not touched.
     */
    delete: operations['Datasets_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/datasets/{id}/vrt/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A VRT's state, members and generation history
     * @description `ready`, `regenerating` (a staged change is being built) or `failed` (the latest generation failed; `error` says why and the VRT keeps serving `generation`).
     */
    get: operations['VrtStatus_status'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the process is up (no dependency checks, no auth) */
    get: operations['Health_live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: PostgreSQL, Redis and storage all answer (no auth) */
    get: operations['Health_ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/importers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the importer definitions
     * @description Every importer of IMPORTERS_DIR, ordered by slug. Any valid token may read them.
     */
    get: operations['Importers_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/importers/{slug}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get one importer definition: source, target, fields with transforms and rules */
    get: operations['Importers_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/commit-fan-out/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Commit several layers of a file at once: one child job and dataset per layer
     * @description 1 to 50 distinct layers, each in the preview's layer list (422 listing every `unknown_layers` with the `available_layers`; 422 for repeated names or a count outside 1..50). The job is claimed `pending → fanning_out` before any child exists (a concurrent fan-out or commit gets 409); the children are created in one transaction and queued. The job ends `fanned_out` when at least one child was queued, otherwise it returns to `pending`. Results keep request order; follow the children at GET /api/jobs/{fan_out_id}/children. The commit options of a layer commit (`summary`, `srid_override`, `x_column`, `y_column`, `geom_column`) may be given at the top level for every layer and on each layer, where they win for that layer; raster options are refused with 422, as for a vector commit. A child that fails can be retried with corrected options (POST /api/jobs/{id}/retry).
     */
    post: operations['Ingest_fanOut'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/commit/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Commit a previewed file: ingest it into a dataset (one layer)
     * @description Atomically moves the job `pending → queued` (a repeated or concurrent commit gets 409, never a second dataset) and queues the ingest: vector layers become a PostGIS table, rasters a Cloud-Optimized GeoTIFF. Vector fields apply to vector files and raster fields to rasters (422 otherwise); `layer_name` must be one of the preview's layers (422 listing `unknown_layers` and `available_layers`). A job not yet previewed is previewed first (504 if no worker answers in time). A remote-service job may bring a fresh `token`: it is checked with the service first (403 when the service refuses it, e.g. ArcGIS error 498; 502/504 when the service fails or is too slow), and the job stays pending. Follow progress at GET /api/jobs/{job_id}.
     */
    post: operations['Ingest_commit'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/preview/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Preview a staged file (runs on a worker)
     * @description Vector: layers, columns, CRS, geometry type, feature count, up to 5 sample rows (geometry as WKT), and for CSV/XLSX the detected coordinate or WKT columns. Raster: size, bands, data type, nodata, resolution, compression and COG compliance. Stores the layer list on the job; commit and fan-out validate against it. 409 unless the job is pending; 504 when no worker answers in time.
     */
    post: operations['Ingest_preview'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/upload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Upload a file (multipart field `file`); creates a pending job
     * @description The file is streamed to storage as it arrives: 413 the moment it passes the size limit (nothing is kept), 415/422 when the content does not match the extension or an archive fails the pre-flight (entry count, sizes, compression ratio, nested archives). The filename is reduced to a safe basename.
     */
    post: operations['Ingest_upload'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/upload/config': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Upload limits and options for clients */
    get: operations['Ingest_config'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/upload/presigned': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a direct-to-S3 upload; creates a pending job
     * @description Below the threshold: one presigned PUT URL. At or above it: a multipart upload with `part_size` and one presigned URL per part (PUT each part, keep each response ETag). URLs expire with the upload window. Size and extension are checked up front. 400 when storage is not S3.
     */
    post: operations['Ingest_startPresigned'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/upload/presigned/{job_id}/abort': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Abort a presigned upload: discards staged bytes and fails the job */
    post: operations['Ingest_abortPresigned'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/upload/presigned/{job_id}/complete': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Complete a presigned upload
     * @description Assembles the parts (listed 1..n in order; none for a single PUT), checks the object size equals the declared size and its content matches the extension (ranged reads), freezes it (a single-PUT object is copied to a key no URL was issued for; a completed multipart object is already immutable and stays in place), and binds it to the job. Repeating the same call returns the same 200; concurrent calls complete once. 502 on a transient storage failure (retry).
     */
    post: operations['Ingest_completePresigned'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/vrt/create': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Combine raster datasets into a VRT mosaic or band stack
     * @description At least 2 of the caller's raster datasets, checked for compatibility from their stored metadata before anything is queued (CRS, data type, nodata value, rotation, pixel geometry; mosaics: band count; band stacks: single-band sources on one grid). The job ends with a dataset of kind `vrt` whose raster metadata describes the mosaic; follow it at GET /api/jobs/{job_id}.
     */
    post: operations['Vrt_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/vrt/{dataset_id}/regenerate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rebuild a VRT from its current sources (a new generation)
     * @description Builds a new generation from the current member list (e.g. after a source was repaired). 409 while the VRT is regenerating; 503 when the job cannot be queued (nothing changed).
     */
    post: operations['Vrt_regenerate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/vrt/{dataset_id}/sources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Add a raster source to a VRT (regenerates it)
     * @description Membership changes are staged: the VRT keeps serving its current generation until the new one publishes (generation, member list and metadata in one transaction). 409 while the VRT is regenerating or when the change raced another one (a compare-and-set on the VRT version, so of two concurrent changes exactly one is accepted). 503 when the job cannot be queued (nothing changed). 404 for a VRT or source the caller cannot read, checked first.
     */
    post: operations['Vrt_addSource'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/vrt/{dataset_id}/sources/{source_dataset_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Remove a source from a VRT (regenerates it)
     * @description Membership changes are staged: the VRT keeps serving its current generation until the new one publishes (generation, member list and metadata in one transaction). 409 while the VRT is regenerating or when the change raced another one (a compare-and-set on the VRT version, so of two concurrent changes exactly one is accepted). 503 when the job cannot be queued (nothing changed). 404 for a VRT or source the caller cannot read, checked first. 422 when fewer than 2 sources would remain; 404 when the dataset is not a source of the VRT.
     */
    delete: operations['Vrt_removeSource'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get a job: status, step, progress, counters, warnings, error */
    get: operations['Jobs_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/jobs/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel a job
     * @description Cooperative: a job that has not started is cancelled at once and never starts; a running job stops at its next checkpoint and ends `cancelled` (until then it shows step `cancelling`). 409 when the job is already terminal.
     */
    post: operations['Jobs_cancel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/jobs/{id}/children': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List a fan-out's child jobs */
    get: operations['Jobs_children'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/jobs/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Re-queue a failed job
     * @description Only `failed` jobs can be retried (409 otherwise). The new run gets a new attempt token. An optional body of commit options (those of POST /api/ingest/commit, without `layer_name`) replaces the stored ones for the new attempt: a field given replaces the stored value, `null` clears it back to its default, a field not given keeps what the commit asked for. They are validated like a commit: a field of the other kind of file (vector vs raster) is 422, and so is any option on a job that is not a dataset ingest. So a job that failed for want of an option (e.g. `srid_override` for a file without a CRS) is fixed without uploading the file again.
     */
    post: operations['Jobs_retry'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/services/preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Preview one layer of a remote service; creates a pending job for /ingest/commit
     * @description Runs on a worker (awaited like file previews): columns, CRS (EPSG), geometry type, the real feature count and up to 5 sample rows. The job it creates reads the layer when committed with `POST /api/ingest/commit/{job_id}` (capability `upload`). The token is never stored in the job or the queue.
     */
    post: operations['Services_preview'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/services/probe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Detect a remote feature service and list its layers
     * @description WFS 1.0/1.1/2.0 (highest version offered), OGC API Features, ArcGIS FeatureServer and MapServer (layers and tables, with counts). Every request goes through the SSRF guard: private and loopback targets are refused (422 `ssrf-refused`) unless SSRF_ALLOWLIST names them; credentials in the URL are refused (use `token`). 403 when the service refuses the token (ArcGIS 498/499), 502 unreachable, 504 too slow, 422 not a feature service.
     */
    post: operations['Services_probe'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List your importer runs, newest first
     * @description Seed 004 pagination: `{data, links:{first,last,prev,next}, meta}`; filters `importer` and `status`.
     */
    get: operations['Runs_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/trigger/{slug}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a run of an importer that reads a URL, a stored object or a remote service
     * @description Optional body: `dry_run`, and `source` with only the keys the importer lists in `overridable` (422 otherwise). A replaced URL goes through the SSRF guard (422 `ssrf-refused`); a replaced storage key must stay in the directory of the importer's key. 404 unknown importer; 422 for an upload importer.
     */
    post: operations['Runs_trigger'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/upload/{slug}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a run of an upload importer with a file
     * @description Multipart `file` (streamed to storage, size-capped while streaming at the importer's `max_size_bytes` and the global limit: 413), its type one of the importer's formats and its content matching the extension (415), archives pre-flighted; `dry_run` as `1|true|0|false`. Answers with the run already `queued`. 404 unknown importer; 422 when the importer does not take uploads.
     */
    post: operations['Runs_upload'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a run with one page of its rows
     * @description Rows by row number, paged with `rows_page` and `rows_per_page` (≤ 500), filtered by `rows_status`.
     */
    get: operations['Runs_show'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel a run
     * @description A run no worker has started ends `cancelled` at once; a running one stops between chunks and ends `cancelled`. 409 when the run has already ended.
     */
    post: operations['Runs_cancel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/{id}/errors/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Counts of a run's failures by message and by field
     * @description Both lists most frequent first, aggregated in the database.
     */
    get: operations['Runs_summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/{id}/failed-rows/download': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download the failed rows as CSV
     * @description Streamed: the original headers (first-seen order), then `_error_message` and `_row_number`. Cells a spreadsheet would read as a formula get a leading `'`. Fix the rows and upload the file to the same importer again (the two extra columns are ignored). 404 when no row failed.
     */
    get: operations['Runs_download'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/ingest/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Retry the failed rows of a run in a new run
     * @description The new run (`parent_id` = this run) reads only the failed rows, keeping their row numbers. 400 when the run has no failed rows; 409 when it has not ended or another retry of it is still active (of two concurrent retries, one wins).
     */
    post: operations['Runs_retry'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics of the gateway
     * @description Text exposition format 0.0.4: HTTP request durations by route and status, bytes uploaded, queue depth and the age of the oldest waiting job per queue, process metrics. Needs a token with the `metrics` capability (`npm run cli -- token:create --user prometheus --capabilities metrics`). Metric names: docs/operations.md.
     */
    get: operations['Metrics_scrape'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    AbortUploadResponseDto: {
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /** @example Upload aborted; staged bytes were deleted. */
      message: string;
      /**
       * @example failed
       * @enum {string}
       */
      status: 'failed';
    };
    AddVrtSourceRequestDto: {
      /**
       * Format: uuid
       * @description The raster dataset to add at the end of the mosaic.
       * @example 9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f
       */
      source_dataset_id: string;
    };
    CancelRunResponseDto: {
      /** @example Cancellation request sent. */
      message: string;
    };
    CheckStatusDto: {
      /**
       * @example up
       * @enum {string}
       */
      status: 'up' | 'down';
    };
    CommitRequestDto: {
      /**
       * @description Raster: lossless COG compression (with a predictor). Default DEFLATE.
       * @example DEFLATE
       * @enum {string}
       */
      compression?: 'DEFLATE' | 'ZSTD' | 'LZW';
      /**
       * @description Vector (CSV/XLSX): column holding WKT geometries.
       * @example wkt
       */
      geom_column?: string;
      /**
       * @description Vector: the layer to ingest (one of the preview's `layers`); default: the first layer.
       * @example parcels
       */
      layer_name?: string;
      /**
       * @description Raster: nodata value to record (replaces the file's).
       * @example -9999
       */
      nodata_override?: number;
      /**
       * @description Raster: resampling for overviews. Default: average for continuous data, nearest for classes.
       * @example average
       * @enum {string}
       */
      resampling?: 'nearest' | 'bilinear' | 'cubic' | 'average' | 'mode';
      /**
       * @description EPSG code that replaces (relabels, never reprojects) the file's CRS; required for files without one.
       * @example 25832
       */
      srid_override?: number;
      /**
       * @description Raster: refuse a file that is not already a valid COG instead of converting it.
       * @example false
       */
      strict_cog?: boolean;
      /**
       * @description Free-text description.
       * @example Cadastral parcels as delivered by the land registry.
       */
      summary?: string;
      /**
       * @description Dataset title.
       * @example Parcels 2026
       */
      title: string;
      /**
       * @description Remote-service jobs only: a (fresh) service token for the ingest, replacing the one given at preview.
       *     Checked with the service before the commit (403 when refused); kept only in a short-lived, encrypted
       *     hand-off for the worker, never stored with the job.
       * @example eyJhbGciOi...
       */
      token?: string;
      /**
       * @description Vector (CSV/XLSX): column holding x/longitude; needs `y_column`. Default: detected from the column names.
       * @example lon
       */
      x_column?: string;
      /**
       * @description Vector (CSV/XLSX): column holding y/latitude; needs `x_column`.
       * @example lat
       */
      y_column?: string;
    };
    CommitResponseDto: {
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /** @example Ingest queued; follow it at GET /api/jobs/0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e. */
      message: string;
      /**
       * @example queued
       * @enum {string}
       */
      status: 'queued';
    };
    CompleteUploadRequestDto: {
      /**
       * @description Every part, in order (1, 2, 3…); empty for a single-PUT upload.
       * @default []
       */
      parts: components['schemas']['UploadedPartDto'][];
    };
    CreateVrtRequestDto: {
      /**
       * @description Pixel size of a mosaic whose sources differ: the finest, the coarsest or their average.
       * @example finest
       * @enum {string}
       */
      resolution_strategy: 'finest' | 'coarsest' | 'average';
      /**
       * @description Raster datasets to combine (at least 2), in mosaic order (band order for a band stack).
       * @example [
       *       "5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d",
       *       "0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e"
       *     ]
       */
      source_dataset_ids: string[];
      /**
       * @description Free-text description.
       * @example All 1 km tiles of the spring flight.
       */
      summary?: string;
      /**
       * @description Dataset title.
       * @example Orthophoto tiles 2026
       */
      title: string;
      /**
       * @description `mosaic`: sources side by side (same band count); `band_stack`: one band per single-band source, all on one pixel grid.
       * @example mosaic
       * @enum {string}
       */
      vrt_type: 'mosaic' | 'band_stack';
    };
    DatasetColumnDto: {
      /** @example name */
      name: string;
      /** @example character varying */
      type: string;
    };
    DatasetDeletedResponseDto: {
      /**
       * Format: uuid
       * @example 5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d
       */
      id: string;
      /**
       * @example deleted
       * @enum {string}
       */
      status: 'deleted';
    };
    /** @enum {string} */
    DatasetKind: 'vector' | 'raster' | 'vrt' | 'table';
    DatasetListResponseDto: {
      data: components['schemas']['DatasetResponseDto'][];
      meta: components['schemas']['PageMetaDto'];
    };
    DatasetResponseDto: {
      columns: components['schemas']['DatasetColumnDto'][];
      /**
       * Format: date-time
       * @example 2026-11-22T08:00:05.000Z
       */
      created_at: string;
      /**
       * @description EPSG code
       * @example 4326
       */
      crs: number | null;
      /**
       * @description [minx, miny, maxx, maxy] in WGS84
       * @example [
       *       15,
       *       45,
       *       15.5,
       *       45.2
       *     ]
       */
      extent: number[] | null;
      /** @example 2000 */
      feature_count: number | null;
      /** @example MultiPolygon */
      geometry_type: string | null;
      /**
       * Format: uuid
       * @example 5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d
       */
      id: string;
      /** @example vector */
      kind: components['schemas']['DatasetKind'];
      /** @example null */
      raster: components['schemas']['RasterInfoDto'] | null;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      source_job_id: string | null;
      /** @example null */
      storage_key: string | null;
      /** @example Cadastral parcels, spring release. */
      summary: string | null;
      /** @example data.parcels_2026_5d0b7c2e */
      table_name: string | null;
      /** @example Parcels 2026 */
      title: string;
    };
    DetectedGeometryColumnsDto: {
      /** @example null */
      wkt_column: string | null;
      /** @example lon */
      x_column: string | null;
      /** @example lat */
      y_column: string | null;
    };
    DiagnosticsRequestDto: {
      /**
       * @description Inject a failure to check retry handling: `transient` fails every attempt but the last, `permanent`
       *     fails at once without retrying.
       * @example transient
       * @enum {string}
       */
      fail_with?: 'transient' | 'permanent';
      /**
       * @description Milliseconds each step takes.
       * @example 200
       */
      step_ms?: number;
      /**
       * @description Checkpointed steps the worker runs; each one reports progress and honours cancellation.
       * @example 3
       */
      steps?: number;
    };
    ErrorSummaryDto: {
      /** @description By message, most frequent first (at most 100). */
      error_summary: components['schemas']['MessageCountDto'][];
      /** @example 14 */
      total_failed_rows: number;
      /** @description By '<field>: <message>', most frequent first (at most 100). */
      validation_summary: components['schemas']['MessageCountDto'][];
    };
    ErrorSummaryEnvelopeDto: {
      data: components['schemas']['ErrorSummaryDto'];
    };
    FanOutLayerDto: {
      /**
       * @description Raster: lossless COG compression (with a predictor). Default DEFLATE.
       * @example DEFLATE
       * @enum {string}
       */
      compression?: 'DEFLATE' | 'ZSTD' | 'LZW';
      /**
       * @description Vector (CSV/XLSX): column holding WKT geometries.
       * @example wkt
       */
      geom_column?: string;
      /**
       * @description A layer from the preview's `layers`.
       * @example roads
       */
      layer_name: string;
      /**
       * @description Raster: nodata value to record (replaces the file's).
       * @example -9999
       */
      nodata_override?: number;
      /**
       * @description Raster: resampling for overviews. Default: average for continuous data, nearest for classes.
       * @example average
       * @enum {string}
       */
      resampling?: 'nearest' | 'bilinear' | 'cubic' | 'average' | 'mode';
      /**
       * @description EPSG code that replaces (relabels, never reprojects) the file's CRS; required for files without one.
       * @example 25832
       */
      srid_override?: number;
      /**
       * @description Raster: refuse a file that is not already a valid COG instead of converting it.
       * @example false
       */
      strict_cog?: boolean;
      /**
       * @description Free-text description.
       * @example Cadastral parcels as delivered by the land registry.
       */
      summary?: string;
      /**
       * @description Dataset title; default "<file name>: <layer>".
       * @example Roads
       */
      title?: string;
      /**
       * @description Remote-service jobs only: a (fresh) service token for the ingest, replacing the one given at preview.
       *     Checked with the service before the commit (403 when refused); kept only in a short-lived, encrypted
       *     hand-off for the worker, never stored with the job.
       * @example eyJhbGciOi...
       */
      token?: string;
      /**
       * @description Vector (CSV/XLSX): column holding x/longitude; needs `y_column`. Default: detected from the column names.
       * @example lon
       */
      x_column?: string;
      /**
       * @description Vector (CSV/XLSX): column holding y/latitude; needs `x_column`.
       * @example lat
       */
      y_column?: string;
    };
    FanOutRequestDto: {
      /**
       * @description Raster: lossless COG compression (with a predictor). Default DEFLATE.
       * @example DEFLATE
       * @enum {string}
       */
      compression?: 'DEFLATE' | 'ZSTD' | 'LZW';
      /**
       * @description Vector (CSV/XLSX): column holding WKT geometries.
       * @example wkt
       */
      geom_column?: string;
      /**
       * @description 1 to 50 distinct layers (422 otherwise); each becomes its own job and dataset.
       * @example [
       *       {
       *         "layer_name": "roads",
       *         "title": "Roads"
       *       },
       *       {
       *         "layer_name": "parcels",
       *         "title": "Parcels"
       *       }
       *     ]
       */
      layers: components['schemas']['FanOutLayerDto'][];
      /**
       * @description Raster: nodata value to record (replaces the file's).
       * @example -9999
       */
      nodata_override?: number;
      /**
       * @description Raster: resampling for overviews. Default: average for continuous data, nearest for classes.
       * @example average
       * @enum {string}
       */
      resampling?: 'nearest' | 'bilinear' | 'cubic' | 'average' | 'mode';
      /**
       * @description EPSG code that replaces (relabels, never reprojects) the file's CRS; required for files without one.
       * @example 25832
       */
      srid_override?: number;
      /**
       * @description Raster: refuse a file that is not already a valid COG instead of converting it.
       * @example false
       */
      strict_cog?: boolean;
      /**
       * @description Free-text description.
       * @example Cadastral parcels as delivered by the land registry.
       */
      summary?: string;
      /**
       * @description Remote-service jobs only: a (fresh) service token for the ingest, replacing the one given at preview.
       *     Checked with the service before the commit (403 when refused); kept only in a short-lived, encrypted
       *     hand-off for the worker, never stored with the job.
       * @example eyJhbGciOi...
       */
      token?: string;
      /**
       * @description Vector (CSV/XLSX): column holding x/longitude; needs `y_column`. Default: detected from the column names.
       * @example lon
       */
      x_column?: string;
      /**
       * @description Vector (CSV/XLSX): column holding y/latitude; needs `x_column`.
       * @example lat
       */
      y_column?: string;
    };
    FanOutResponseDto: {
      /**
       * Format: uuid
       * @description The fanned-out job; its children are at GET /api/jobs/{fan_out_id}/children.
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      fan_out_id: string;
      /** @description One entry per requested layer, in request order. */
      results: components['schemas']['FanOutResultDto'][];
    };
    FanOutResultDto: {
      /**
       * @description Always null here; see the child job.
       * @example null
       */
      dataset_id: string | null;
      /**
       * @description User-safe reason when `failed`.
       * @example null
       */
      error: string | null;
      /** @example roads */
      layer_name: string;
      /**
       * Format: uuid
       * @example 5d1c2b7e-8a44-4f0e-b0a4-2f1f0c6d9e11
       */
      new_job_id: string | null;
      /**
       * @example queued
       * @enum {string}
       */
      status: 'queued' | 'failed';
    };
    ImporterDuplicatesDto: {
      /**
       * @description update_if_newer: the field compared.
       * @example null
       */
      compare: string | null;
      /**
       * @example upsert
       * @enum {string}
       */
      strategy: 'insert' | 'skip' | 'update' | 'upsert' | 'fail' | 'update_if_newer';
    };
    ImporterEnvelopeDto: {
      data: components['schemas']['ImporterResponseDto'];
    };
    ImporterErrorLimitsDto: {
      /** @example 0.5 */
      max_failed_ratio: number | null;
      /** @example 1000 */
      max_failed_rows: number | null;
    };
    ImporterFieldDto: {
      /**
       * @description Target column.
       * @example code
       */
      column: string;
      /**
       * @description Source headers tried in order.
       * @example [
       *       "code",
       *       "Station ID"
       *     ]
       */
      from: string[];
      /**
       * @example [
       *       {
       *         "arg": null,
       *         "name": "required"
       *       },
       *       {
       *         "arg": 12,
       *         "name": "max_length"
       *       }
       *     ]
       */
      rules: components['schemas']['ImporterStepDto'][];
      /**
       * @example [
       *       {
       *         "arg": null,
       *         "name": "trim"
       *       },
       *       {
       *         "arg": null,
       *         "name": "upper"
       *       }
       *     ]
       */
      transforms: components['schemas']['ImporterStepDto'][];
      /**
       * @example text
       * @enum {string}
       */
      type: 'text' | 'integer' | 'bigint' | 'numeric' | 'double' | 'boolean' | 'date' | 'timestamptz' | 'uuid' | 'json';
    };
    ImporterGeometryDto: {
      /** @example geom */
      column: string;
      from: components['schemas']['ImporterGeometryFromDto'];
      /** @example 4326 */
      srid: number;
    };
    ImporterGeometryFromDto: {
      /**
       * @example xy
       * @enum {string}
       */
      kind: 'xy' | 'wkt' | 'source';
      /**
       * @description kind wkt: the header holding WKT.
       * @example wkt
       */
      wkt?: string;
      /** @example lon */
      x?: string;
      /** @example lat */
      y?: string;
    };
    ImporterListResponseDto: {
      data: components['schemas']['ImporterResponseDto'][];
    };
    ImporterReadDto: {
      /**
       * @description csv: null = detected.
       * @example null
       */
      delimiter: string | null;
      /** @example utf-8 */
      encoding: string;
      /** @example 1 */
      header_row: number;
      /** @example null */
      layer: string | null;
      /** @example  */
      pointer: string;
      /** @example null */
      sheet: (string | number) | null;
    };
    ImporterResponseDto: {
      /** @example 5000 */
      chunk_size: number;
      duplicates: components['schemas']['ImporterDuplicatesDto'];
      errors: components['schemas']['ImporterErrorLimitsDto'];
      fields: components['schemas']['ImporterFieldDto'][];
      geometry: components['schemas']['ImporterGeometryDto'] | null;
      read: components['schemas']['ImporterReadDto'];
      rows: components['schemas']['ImporterRowsDto'];
      /** @example stations */
      slug: string;
      source: components['schemas']['ImporterSourceDto'];
      target: components['schemas']['ImporterTargetDto'];
      /** @example Weather stations */
      title: string;
      /**
       * @example chunk
       * @enum {string}
       */
      transaction: 'chunk' | 'run';
    };
    ImporterRowsDto: {
      /**
       * @description Failed rows are always kept.
       * @example false
       */
      keep_successful: boolean;
    };
    ImporterServiceSourceDto: {
      /**
       * @description ArcGIS: the layer id.
       * @example null
       */
      layer_id: string | null;
      /** @example stations */
      layer_name: string;
      /**
       * @description The field pages are ordered by.
       * @example null
       */
      object_id_field: string | null;
      /**
       * @example wfs
       * @enum {string}
       */
      service_type: 'wfs' | 'arcgis' | 'oapif';
      /** @example https://maps.example.org/wfs */
      url: string;
      /**
       * @description WFS: the protocol version.
       * @example 2.0.0
       */
      version: string | null;
    };
    ImporterSourceDto: {
      /**
       * @example [
       *       "csv",
       *       "xlsx"
       *     ]
       */
      formats: ('csv' | 'tsv' | 'xlsx' | 'json' | 'ndjson' | 'geojson' | 'gpkg' | 'zip')[];
      /**
       * @description Type `storage`: the object key read.
       * @example null
       */
      key: string | null;
      /** @example 104857600 */
      max_size_bytes: number;
      /**
       * @description Source keys a trigger body may replace.
       * @example []
       */
      overridable: ('url' | 'key' | 'service.url' | 'service.layer_name' | 'service.layer_id')[];
      /** @example null */
      service: components['schemas']['ImporterServiceSourceDto'] | null;
      /**
       * @example upload
       * @enum {string}
       */
      type: 'upload' | 'url' | 'storage' | 'service';
      /**
       * @description Type `url`: the file fetched (without credentials).
       * @example null
       */
      url: string | null;
    };
    ImporterStepDto: {
      /**
       * @description The argument as written in the file; null for none.
       * @example 12
       */
      arg: Record<string, never> | null;
      /** @example max_length */
      name: string;
    };
    ImporterTargetDto: {
      /**
       * @description Created from the fields when missing.
       * @example true
       */
      create: boolean;
      /**
       * @example [
       *       "code"
       *     ]
       */
      key: string[];
      /** @example public.stations */
      table: string;
    };
    JobErrorDto: {
      /** @example no-crs */
      code: string;
      /** @example The layer has geometry but no coordinate reference system; pass srid_override. */
      message: string;
    };
    JobListResponseDto: {
      data: components['schemas']['JobResponseDto'][];
      meta: components['schemas']['PageMetaDto'];
    };
    JobResponseDto: {
      /**
       * @description How many times a worker has started this job (retries and crash recovery included).
       * @example 1
       */
      attempts: number;
      /**
       * Format: date-time
       * @example null
       */
      completed_at: string | null;
      /**
       * Format: date-time
       * @example 2026-11-22T08:00:00.000Z
       */
      created_at: string;
      /**
       * Format: uuid
       * @example null
       */
      dataset_id: string | null;
      /** @example false */
      dry_run: boolean;
      error: components['schemas']['JobErrorDto'] | null;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      id: string;
      /**
       * @description Importer slug; file → dataset jobs use `dataset`.
       * @example dataset
       */
      importer: string;
      /** @example parcels */
      layer_name: string | null;
      /**
       * Format: uuid
       * @example null
       */
      parent_id: string | null;
      /** @example 0.42 */
      progress: number;
      /**
       * @description Kind-specific outcome of a finished job.
       * @example null
       */
      result?: {
        [key: string]: unknown;
      } | null;
      /** @example 0 */
      rows_failed: number;
      /** @example 42000 */
      rows_processed: number;
      /** @example 100000 */
      rows_total: number | null;
      /** @example parcels.gpkg */
      source_filename: string | null;
      /**
       * Format: date-time
       * @example 2026-11-22T08:00:01.000Z
       */
      started_at: string | null;
      /** @example processing */
      status: components['schemas']['JobStatus'];
      /**
       * @description What the job is doing now.
       * @example loading
       */
      step: string | null;
      warnings: components['schemas']['JobWarningDto'][];
    };
    /** @enum {string} */
    JobStatus:
      | 'pending'
      | 'queued'
      | 'processing'
      | 'completed'
      | 'completed_with_errors'
      | 'failed'
      | 'cancelled'
      | 'fanning_out'
      | 'fanned_out';
    JobWarningDto: {
      /** @example column-renamed */
      code: string;
      /** @example Column 'select' was renamed to 'select_'. */
      message: string;
    };
    LivenessResponseDto: {
      /**
       * @example ok
       * @enum {string}
       */
      status: 'ok';
    };
    MessageCountDto: {
      /** @example 12 */
      count: number;
      /** @example code: The code field is required. */
      message: string;
    };
    PageLinkDto: {
      /** @example true */
      active: boolean;
      /**
       * @description A page number, '...', '&laquo; Previous' or 'Next &raquo;'.
       * @example 1
       */
      label: string;
      /** @example https://strata.example/api/v1/ingest?page=1 */
      url: string | null;
    };
    PageMetaDto: {
      /** @example 1 */
      page: number;
      /** @example 50 */
      per_page: number;
      /** @example 3 */
      total: number;
    };
    PaginationLinksDto: {
      /** @example https://strata.example/api/v1/ingest?page=1 */
      first: string;
      /** @example https://strata.example/api/v1/ingest?page=3 */
      last: string;
      /** @example https://strata.example/api/v1/ingest?page=2 */
      next: string | null;
      /** @example null */
      prev: string | null;
    };
    PaginationMetaDto: {
      /** @example 1 */
      current_page: number;
      /** @example 1 */
      from: number | null;
      /** @example 3 */
      last_page: number;
      links: components['schemas']['PageLinkDto'][];
      /** @example https://strata.example/api/v1/ingest */
      path: string;
      /** @example 15 */
      per_page: number;
      /** @example 15 */
      to: number | null;
      /** @example 42 */
      total: number;
    };
    PresignedUploadRequestDto: {
      /**
       * @description Informational; the content is checked from its bytes at completion.
       * @example application/geopackage+sqlite3
       */
      content_type?: string;
      /**
       * @description Exact size in bytes; completion fails unless the uploaded object has exactly this size.
       * @example 734003200
       */
      file_size: number;
      /**
       * @description Original file name; only a safe basename is kept, and its extension must be allowed.
       * @example parcels.gpkg
       */
      filename: string;
    };
    PresignedUploadResponseDto: {
      /**
       * Format: date-time
       * @description When the URLs expire and the upload window closes.
       * @example 2026-11-22T09:00:00.000Z
       */
      expires_at: string;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /**
       * @description Bytes per part (the last part may be smaller); multipart only.
       * @example 10485760
       */
      part_size?: number;
      /** @example staging/0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e/incoming/parcels.gpkg */
      s3_key: string;
      /**
       * @description Present for multipart uploads.
       * @example MmU4ZjY…
       */
      upload_id?: string;
      /**
       * @description One PUT URL, or one per part (part 1 first) for a multipart upload.
       * @example [
       *       "https://s3.example.com/strata/staging/0b6f…/incoming/parcels.gpkg?X-Amz-Algorithm=AWS4-HMAC-SHA256&…"
       *     ]
       */
      urls: string[];
    };
    PreviewColumnDto: {
      /** @example name */
      name: string;
      /**
       * @description GDAL field type: string, integer, integer64, real, date, datetime…
       * @example string
       */
      type: string;
    };
    PreviewLayerDto: {
      /** @example 2000 */
      feature_count: number | null;
      /** @example 4 */
      field_count: number;
      /** @example MultiPolygon */
      geometry_type: string | null;
      /** @example parcels */
      name: string;
    };
    PreviewResponseDto: {
      /** @example 1 */
      band_count?: number;
      /**
       * @example [
       *       "not tiled (stored in strips)",
       *       "no overviews"
       *     ]
       */
      cog_issues?: string[];
      columns?: components['schemas']['PreviewColumnDto'][];
      /** @example DEFLATE */
      compression?: string | null;
      /**
       * @description EPSG code, or null when unknown
       * @example 4326
       */
      crs: number | null;
      /** @example null */
      detected_geometry_columns?: components['schemas']['DetectedGeometryColumnsDto'] | null;
      /** @example UInt16 */
      dtype?: string;
      /** @example 2000 */
      feature_count?: number | null;
      /** @example MultiPolygon */
      geometry_type?: string | null;
      /** @example 8000 */
      height?: number;
      /** @example false */
      is_cog?: boolean;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /**
       * @example vector
       * @enum {string}
       */
      kind: 'vector' | 'raster';
      /** @example parcels */
      layer_name?: string;
      layers?: components['schemas']['PreviewLayerDto'][];
      /** @example 0 */
      nodata?: number | null;
      /** @example 10 */
      res_x?: number | null;
      /** @example -10 */
      res_y?: number | null;
      /**
       * @description Up to 5 rows; geometry as WKT.
       * @example [
       *       {
       *         "area": 532.5,
       *         "geometry": "MULTIPOLYGON (((500000 5000000, …)))",
       *         "name": "A-17"
       *       }
       *     ]
       */
      sample_rows?: {
        [key: string]: unknown;
      }[];
      /** @example parcels.gpkg */
      source_filename: string | null;
      /** @example 8000 */
      width?: number;
    };
    ProbeRequestDto: {
      /**
       * @description Sent as `Authorization: Bearer …` (ArcGIS: `X-Esri-Authorization`); never stored.
       * @example eyJhbGciOi...
       */
      token?: string;
      /**
       * @description The service: a WFS endpoint or GetCapabilities URL, an OGC API landing page, or an ArcGIS
       *     FeatureServer/MapServer (or one of its layers). No credentials in it: use `token`.
       * @example https://example.com/geoserver/ows?service=WFS
       */
      url: string;
    };
    ProbeResponseDto: {
      layers: components['schemas']['ProbedLayerDto'][];
      /**
       * @example WFS 2.0.0
       * @enum {string}
       */
      service_type:
        'WFS 1.0.0' | 'WFS 1.1.0' | 'WFS 2.0.0' | 'OGC API Features' | 'ArcGIS FeatureServer' | 'ArcGIS MapServer';
      /**
       * @description The service URL, normalised.
       * @example https://example.com/geoserver/ows
       */
      url: string;
    };
    ProbedLayerDto: {
      /** @example 1234 */
      feature_count?: number | null;
      /** @example MultiPolygon */
      geometry_type?: string | null;
      /**
       * @description ArcGIS layer or table id (preview `layer_id`).
       * @example 0
       */
      id?: string;
      /**
       * @description What preview takes as `layer_name`.
       * @example ms:parcels
       */
      name: string;
      /** @example Parcels */
      title: string;
    };
    ProblemSchema: {
      /** @example Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found. */
      detail: string;
      errors?: components['schemas']['ValidationIssueSchema'][];
      /** @example 6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a */
      request_id?: string;
      /** @example 404 */
      status: number;
      /** @example Not found */
      title: string;
      /** @example https://strata.dev/problems/not-found */
      type: string;
    };
    RasterInfoDto: {
      /** @example 1 */
      band_count: number;
      /** @example UInt16 */
      dtype: string;
      /**
       * @description GDAL geotransform: origin x, pixel width, row rotation, origin y, column rotation, pixel height
       * @example [
       *       300000,
       *       10,
       *       0,
       *       5800000,
       *       0,
       *       -10
       *     ]
       */
      geo_transform?: number[];
      /** @example 8000 */
      height: number;
      /** @example 0 */
      nodata: number | null;
      /** @example 10 */
      res_x: number;
      /** @example -10 */
      res_y: number;
      /** @example 8000 */
      width: number;
    };
    ReadinessResponseDto: {
      /**
       * @example {
       *       "database": {
       *         "status": "up"
       *       },
       *       "redis": {
       *         "status": "up"
       *       },
       *       "storage": {
       *         "status": "up"
       *       }
       *     }
       */
      details: {
        [key: string]: components['schemas']['CheckStatusDto'];
      };
      /** @example {} */
      error: {
        [key: string]: components['schemas']['CheckStatusDto'];
      };
      /**
       * @example {
       *       "database": {
       *         "status": "up"
       *       },
       *       "redis": {
       *         "status": "up"
       *       },
       *       "storage": {
       *         "status": "up"
       *       }
       *     }
       */
      info: {
        [key: string]: components['schemas']['CheckStatusDto'];
      };
      /** @example ok */
      status: string;
    };
    RetryRequestDto: {
      /**
       * @description Raster: lossless COG compression (with a predictor). Default DEFLATE.
       * @example DEFLATE
       * @enum {string}
       */
      compression?: 'DEFLATE' | 'ZSTD' | 'LZW';
      /**
       * @description Vector (CSV/XLSX): column holding WKT geometries.
       * @example wkt
       */
      geom_column?: string;
      /**
       * @description Raster: nodata value to record (replaces the file's).
       * @example -9999
       */
      nodata_override?: number;
      /**
       * @description Raster: resampling for overviews. Default: average for continuous data, nearest for classes.
       * @example average
       * @enum {string}
       */
      resampling?: 'nearest' | 'bilinear' | 'cubic' | 'average' | 'mode';
      /**
       * @description EPSG code that replaces (relabels, never reprojects) the file's CRS; required for files without one.
       * @example 25832
       */
      srid_override?: number;
      /**
       * @description Raster: refuse a file that is not already a valid COG instead of converting it.
       * @example false
       */
      strict_cog?: boolean;
      /**
       * @description Free-text description.
       * @example Cadastral parcels as delivered by the land registry.
       */
      summary?: string;
      /**
       * @description Dataset title.
       * @example Parcels 2026
       */
      title?: string;
      /**
       * @description Remote-service jobs only: a (fresh) service token for the ingest, replacing the one given at preview.
       *     Checked with the service before the commit (403 when refused); kept only in a short-lived, encrypted
       *     hand-off for the worker, never stored with the job.
       * @example eyJhbGciOi...
       */
      token?: string;
      /**
       * @description Vector (CSV/XLSX): column holding x/longitude; needs `y_column`. Default: detected from the column names.
       * @example lon
       */
      x_column?: string;
      /**
       * @description Vector (CSV/XLSX): column holding y/latitude; needs `x_column`.
       * @example lat
       */
      y_column?: string;
    };
    RetryRunRequestDto: {
      /** @example false */
      dry_run?: boolean;
    };
    RunDto: {
      /**
       * Format: date-time
       * @example null
       */
      completed_at: string | null;
      /** @example false */
      dry_run: boolean;
      /**
       * Format: uuid
       * @example 6a0f3c1e-2b4d-4e8f-9a1b-2c3d4e5f6a7b
       */
      id: string;
      /**
       * @description Importer slug.
       * @example stations
       */
      importer: string;
      /** @example stations.csv */
      original_filename: string | null;
      /**
       * Format: uuid
       * @description The run this one retries.
       * @example null
       */
      parent_id: string | null;
      progress: components['schemas']['RunProgressDto'];
      /** @description Only on GET /{id}: one page of rows, by row number. */
      rows?: components['schemas']['RunRowDto'][];
      /**
       * Format: date-time
       * @example null
       */
      started_at: string | null;
      /** @example queued */
      status: components['schemas']['JobStatus'];
      /** @description Set when the run has ended. */
      summary: components['schemas']['RunSummaryDto'] | null;
      /**
       * @description Owner of the run.
       * @example alice
       */
      user_id: string;
    };
    RunEnvelopeDto: {
      data: components['schemas']['RunDto'];
    };
    RunListResponseDto: {
      data: components['schemas']['RunDto'][];
      links: components['schemas']['PaginationLinksDto'];
      meta: components['schemas']['PaginationMetaDto'];
    };
    RunProgressDto: {
      /** @example 5 */
      failed: number;
      /** @example 800 */
      processed: number;
      /** @example 795 */
      successful: number;
      /**
       * @description Rows in the source; known early (a pre-count), exact at the end.
       * @example 1200
       */
      total: number;
    };
    RunRowDto: {
      /**
       * @description The row as read, under its original headers.
       * @example {
       *       "Station Code": "",
       *       "elevation": "2962",
       *       "name": "Zugspitze"
       *     }
       */
      data: {
        [key: string]: unknown;
      };
      errors: components['schemas']['RunRowErrorsDto'] | null;
      /**
       * @description 1-based number of the row in the original source (kept by retries).
       * @example 7
       */
      row_number: number;
      /**
       * @example failed
       * @enum {string}
       */
      status: 'success' | 'failed';
    };
    RunRowErrorsDto: {
      /** @example Validation failed. */
      message: string;
      /**
       * @example {
       *       "code": [
       *         "The code field is required."
       *       ]
       *     }
       */
      validation?: {
        [key: string]: string[];
      };
    };
    RunSummaryDto: {
      /** @example 790 */
      created: number;
      /** @example 5400 */
      duration_ms: number | null;
      /** @example [] */
      errors: {
        [key: string]: unknown;
      }[];
      /** @example 5 */
      failed: number;
      /** @example 2 */
      skipped: number;
      /** @example 3 */
      updated: number;
      /** @example [] */
      warnings: {
        [key: string]: unknown;
      }[];
    };
    ServicePreviewRequestDto: {
      /**
       * @description ArcGIS layer or table id (required for ArcGIS services).
       * @example 0
       */
      layer_id?: string;
      /** @example roads */
      layer_name: string;
      /** @example Roads */
      layer_title?: string;
      /**
       * @description ArcGIS object-id field, the order pages are read in (default: the layer's own).
       * @example OBJECTID
       */
      object_id_field?: string;
      /**
       * @example ArcGIS FeatureServer
       * @enum {string}
       */
      service_type:
        'WFS 1.0.0' | 'WFS 1.1.0' | 'WFS 2.0.0' | 'OGC API Features' | 'ArcGIS FeatureServer' | 'ArcGIS MapServer';
      /**
       * @description Never stored: kept for this job only (in Redis, with an expiry) and given to the worker's requests.
       * @example eyJhbGciOi...
       */
      token?: string;
      /** @example https://example.com/arcgis/rest/services/Roads/FeatureServer */
      url: string;
    };
    ServicePreviewResponseDto: {
      columns: components['schemas']['PreviewColumnDto'][];
      /** @example 3857 */
      crs: number | null;
      /** @example 1234 */
      feature_count: number | null;
      /** @example Point */
      geometry_type: string | null;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /** @example roads */
      layer_name: string;
      /**
       * @example [
       *       {
       *         "OBJECTID": 1,
       *         "geometry": "POINT (1 2)",
       *         "label": "site 1"
       *       }
       *     ]
       */
      sample_rows: Record<string, never>[];
      /** @example Roads */
      source_filename: string | null;
    };
    TriggerRunRequestDto: {
      /**
       * @description Run the whole pipeline and roll the writes back.
       * @example false
       */
      dry_run?: boolean;
      /**
       * @description Replaces source keys the importer lists in `overridable` (422 for any other key): `url`, `key`, or `service: {url, layer_name, layer_id}` (listed as `service.<key>`). A service importer also takes `token`, handed to the worker once and never stored with the run.
       * @example {
       *       "url": "https://data.example.org/stations-2026-12.csv"
       *     }
       */
      source?: {
        key?: string;
        service?: {
          layer_id?: string;
          layer_name?: string;
          /** Format: uri */
          url?: string;
        };
        /** @description Service importers: a token for the service, for this run only. */
        token?: string;
        /** Format: uri */
        url?: string;
      } & {
        [key: string]: unknown;
      };
    };
    UploadConfigResponseDto: {
      /**
       * @example [
       *       ".gpkg",
       *       ".zip",
       *       ".geojson",
       *       ".json",
       *       ".topojson",
       *       ".csv",
       *       ".xlsx",
       *       ".tif",
       *       ".tiff",
       *       ".fgb",
       *       ".kml"
       *     ]
       */
      allowed_extensions: string[];
      /** @example 2147483648 */
      max_file_size_bytes: number;
      /**
       * @description Default part size of presigned multipart uploads.
       * @example 10485760
       */
      part_size_bytes: number;
      /**
       * @description Presigned uploads of at least this size use multipart.
       * @example 104857600
       */
      presigned_threshold_bytes: number;
      /**
       * @description Whether POST /api/ingest/upload/presigned is available (S3 storage).
       * @example false
       */
      presigned_uploads: boolean;
    };
    UploadResponseDto: {
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /** @example File uploaded and ready for preview. */
      message: string;
      /**
       * @example pending
       * @enum {string}
       */
      status: 'pending';
    };
    UploadedPartDto: {
      /**
       * @description The ETag response header S3 returned for the part's PUT (quotes included or not).
       * @example \9b2cf535f27731c974343645a3985328\
       */
      etag: string;
      /**
       * @description 1-based part number.
       * @example 1
       */
      part_number: number;
    };
    ValidationIssueSchema: {
      /**
       * @example [
       *       "body",
       *       "title"
       *     ]
       */
      loc: (string | number)[];
      /** @example title must be a string */
      msg: string;
      /** @example isString */
      type: string;
    };
    VrtAcceptedResponseDto: {
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string;
      /** @example Source add queued; the VRT is regenerating. Follow it at GET /api/jobs/0b6f0a53-…. */
      message: string;
      /**
       * @example accepted
       * @enum {string}
       */
      status: 'accepted';
    };
    VrtGenerationDto: {
      /**
       * Format: date-time
       * @example 2026-11-22T08:00:05.000Z
       */
      created_at: string;
      /** @example null */
      error: components['schemas']['VrtProblemDto'] | null;
      /** @example 2 */
      generation: number;
      /**
       * Format: uuid
       * @example 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e
       */
      job_id: string | null;
      /** @example 3 */
      source_count: number;
      /** @example published */
      status: components['schemas']['VrtGenerationStatus'];
    };
    /** @enum {string} */
    VrtGenerationStatus: 'building' | 'published' | 'failed';
    VrtProblemDto: {
      /** @example unreadable */
      code: string;
      /** @example Source dataset 9f1c2d3e-… could not be read from storage; it may have been removed. */
      message: string;
    };
    VrtSourceDto: {
      /**
       * Format: uuid
       * @example 5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d
       */
      dataset_id: string;
      /** @example 0 */
      position: number;
    };
    VrtStatusResponseDto: {
      /** @description Why the latest generation failed (status `failed`); the VRT keeps serving `generation` */
      error?: components['schemas']['VrtProblemDto'];
      /**
       * @description The generation being served
       * @example 2
       */
      generation: number;
      /** @description Every generation, oldest first */
      generations: components['schemas']['VrtGenerationDto'][];
      /** @description The members of the generation being served, in order */
      sources: components['schemas']['VrtSourceDto'][];
      /**
       * @example ready
       * @enum {string}
       */
      status: 'ready' | 'regenerating' | 'failed';
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  Admin_runDiagnostics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DiagnosticsRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Datasets_list: {
    parameters: {
      query: {
        /** @description 1-based page number. */
        page: number;
        /** @description Items per page (1–200). */
        per_page: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DatasetListResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Datasets_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DatasetResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Datasets_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DatasetDeletedResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  VrtStatus_status: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VrtStatusResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Health_live: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LivenessResponseDto'];
        };
      };
    };
  };
  Health_ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReadinessResponseDto'];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "checks": {
           *         "database": "up",
           *         "redis": "down",
           *         "storage": "up"
           *       },
           *       "detail": "A dependency is unavailable.",
           *       "status": 503,
           *       "title": "Service unavailable",
           *       "type": "https://strata.dev/problems/dependency-unavailable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Importers_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ImporterListResponseDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Importers_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ImporterEnvelopeDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_fanOut: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['FanOutRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FanOutResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Timed out */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The worker did not answer in time.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 504,
           *       "title": "Timed out",
           *       "type": "https://strata.dev/problems/timeout"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_commit: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CommitRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommitResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Timed out */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The worker did not answer in time.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 504,
           *       "title": "Timed out",
           *       "type": "https://strata.dev/problems/timeout"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_preview: {
    parameters: {
      query?: {
        /** @description Layer to preview (default: the first). Must be one of the file's layers; names starting with `-` are refused. */
        layer_name?: string;
      };
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreviewResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Timed out */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The worker did not answer in time.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 504,
           *       "title": "Timed out",
           *       "type": "https://strata.dev/problems/timeout"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_upload: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /** Format: binary */
          file: Blob;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UploadResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file exceeds the 2 GiB limit.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 413,
           *       "title": "Payload too large",
           *       "type": "https://strata.dev/problems/payload-too-large"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unsupported media type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file content does not match its extension.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 415,
           *       "title": "Unsupported media type",
           *       "type": "https://strata.dev/problems/unsupported-media-type"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_config: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UploadConfigResponseDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_startPresigned: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PresignedUploadRequestDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PresignedUploadResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file exceeds the 2 GiB limit.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 413,
           *       "title": "Payload too large",
           *       "type": "https://strata.dev/problems/payload-too-large"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_abortPresigned: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AbortUploadResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Ingest_completePresigned: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CompleteUploadRequestDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UploadResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unsupported media type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file content does not match its extension.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 415,
           *       "title": "Unsupported media type",
           *       "type": "https://strata.dev/problems/unsupported-media-type"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Vrt_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateVrtRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VrtAcceptedResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Fewer than 2 sources, or sources that cannot form the VRT: every incompatibility is listed */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "2 incompatibilities; see errors.",
           *       "errors": [
           *         {
           *           "code": "crs_mismatch",
           *           "message": "Dataset 9f1c2d3e-… is in EPSG:4326, the mosaic in EPSG:32633.",
           *           "source_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
           *         },
           *         {
           *           "code": "dtype_mismatch",
           *           "message": "Dataset 9f1c2d3e-… holds UInt16 pixels, the mosaic Byte.",
           *           "source_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
           *         }
           *       ],
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A dependency is unavailable.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 503,
           *       "title": "Service unavailable",
           *       "type": "https://strata.dev/problems/dependency-unavailable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Vrt_regenerate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        dataset_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VrtAcceptedResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A dependency is unavailable.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 503,
           *       "title": "Service unavailable",
           *       "type": "https://strata.dev/problems/dependency-unavailable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Vrt_addSource: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        dataset_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AddVrtSourceRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VrtAcceptedResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Fewer than 2 sources, or sources that cannot form the VRT: every incompatibility is listed */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "2 incompatibilities; see errors.",
           *       "errors": [
           *         {
           *           "code": "crs_mismatch",
           *           "message": "Dataset 9f1c2d3e-… is in EPSG:4326, the mosaic in EPSG:32633.",
           *           "source_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
           *         },
           *         {
           *           "code": "dtype_mismatch",
           *           "message": "Dataset 9f1c2d3e-… holds UInt16 pixels, the mosaic Byte.",
           *           "source_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
           *         }
           *       ],
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A dependency is unavailable.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 503,
           *       "title": "Service unavailable",
           *       "type": "https://strata.dev/problems/dependency-unavailable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Vrt_removeSource: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        dataset_id: string;
        source_dataset_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VrtAcceptedResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A dependency is unavailable.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 503,
           *       "title": "Service unavailable",
           *       "type": "https://strata.dev/problems/dependency-unavailable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Jobs_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Jobs_cancel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Jobs_children: {
    parameters: {
      query: {
        /** @description 1-based page number. */
        page: number;
        /** @description Items per page (1–200). */
        per_page: number;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobListResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Jobs_retry: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['RetryRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Services_preview: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ServicePreviewRequestDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ServicePreviewResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Timed out */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The worker did not answer in time.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 504,
           *       "title": "Timed out",
           *       "type": "https://strata.dev/problems/timeout"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Services_probe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ProbeRequestDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProbeResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 502,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Timed out */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The worker did not answer in time.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 504,
           *       "title": "Timed out",
           *       "type": "https://strata.dev/problems/timeout"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_list: {
    parameters: {
      query?: {
        /** @description Only runs of this importer. */
        importer?: string;
        status?: components['schemas']['JobStatus'];
        page?: number;
        per_page?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunListResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_trigger: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['TriggerRunRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunEnvelopeDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file exceeds the 2 GiB limit.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 413,
           *       "title": "Payload too large",
           *       "type": "https://strata.dev/problems/payload-too-large"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_upload: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        slug: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /** @enum {string} */
          dry_run?: '1' | 'true' | '0' | 'false';
          /** Format: binary */
          file: Blob;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunEnvelopeDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file exceeds the 2 GiB limit.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 413,
           *       "title": "Payload too large",
           *       "type": "https://strata.dev/problems/payload-too-large"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unsupported media type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The file content does not match its extension.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 415,
           *       "title": "Unsupported media type",
           *       "type": "https://strata.dev/problems/unsupported-media-type"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Semantically invalid */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request cannot be processed.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 422,
           *       "title": "Unprocessable content",
           *       "type": "https://strata.dev/problems/unprocessable"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_show: {
    parameters: {
      query?: {
        rows_page?: number;
        rows_per_page?: number;
        /** @description Only failed rows, or only rows that did not fail. */
        rows_status?: 'failed' | 'success';
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunEnvelopeDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_cancel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CancelRunResponseDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_summary: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorSummaryEnvelopeDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_download: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description CSV file */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/csv': string;
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Runs_retry: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['RetryRunRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunEnvelopeDto'];
        };
      };
      /** @description Invalid request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "The request is not valid; see errors.",
           *       "errors": [
           *         {
           *           "loc": [
           *             "body",
           *             "title"
           *           ],
           *           "msg": "title must be a string",
           *           "type": "isString"
           *         }
           *       ],
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 400,
           *       "title": "Request validation failed",
           *       "type": "https://strata.dev/problems/validation-failed"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Not found, or owned by someone else */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 404,
           *       "title": "Not found",
           *       "type": "https://strata.dev/problems/not-found"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The resource is not in a state that allows this */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "Job is 'completed'; it cannot be cancelled.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 409,
           *       "title": "Invalid state transition",
           *       "type": "https://strata.dev/problems/invalid-transition"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
  Metrics_scrape: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Metrics */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description Missing, unknown, expired or revoked token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "A valid bearer token is required.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 401,
           *       "title": "Authentication required",
           *       "type": "https://strata.dev/problems/unauthenticated"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description The token lacks a required capability */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "This token lacks the 'upload' capability.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 403,
           *       "title": "Forbidden",
           *       "type": "https://strata.dev/problems/forbidden"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
      /** @description Unexpected error (logged with the request_id) */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "detail": "An unexpected error occurred. Quote the request_id when reporting it.",
           *       "request_id": "6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a",
           *       "status": 500,
           *       "title": "Internal server error",
           *       "type": "https://strata.dev/problems/internal"
           *     }
           */
          'application/problem+json': components['schemas']['ProblemSchema'];
        };
      };
    };
  };
}

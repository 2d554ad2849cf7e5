import { ApiToken } from './api-token.entity.js';
import { Dataset } from './dataset.entity.js';
import { ImportChunk } from './import-chunk.entity.js';
import { ImportSeenValue } from './import-seen-value.entity.js';
import { IngestJob } from './ingest-job.entity.js';
import { IngestRow } from './ingest-row.entity.js';
import { VrtGeneration } from './vrt-generation.entity.js';
import { VrtLink } from './vrt-link.entity.js';
import { VrtMosaic } from './vrt-mosaic.entity.js';

export * from './api-token.entity.js';
export * from './dataset.entity.js';
export * from './import-chunk.entity.js';
export * from './import-seen-value.entity.js';
export * from './ingest-job.entity.js';
export * from './ingest-row.entity.js';
export * from './vrt-generation.entity.js';
export * from './vrt-link.entity.js';
export * from './vrt-mosaic.entity.js';

export const ENTITIES = [
  IngestJob,
  IngestRow,
  Dataset,
  VrtLink,
  VrtMosaic,
  VrtGeneration,
  ApiToken,
  ImportChunk,
  ImportSeenValue,
];

import { ImportRunHandler } from './import/import-run.handler.js';
import { IngestDatasetHandler } from './ingest/ingest-dataset.handler.js';
import { PreviewHandler } from './preview/preview.handler.js';
import type { JobHandlerClass } from './runtime/job-handler.js';
import { DiagnosticsHandler } from './system/diagnostics.handler.js';
import { BuildVrtHandler } from './vrt/build-vrt.handler.js';

/** Every job handler this worker build has; `planWorker` checks them against the job registry at boot. */
export const JOB_HANDLER_CLASSES: readonly JobHandlerClass[] = [
  DiagnosticsHandler,
  PreviewHandler,
  IngestDatasetHandler,
  BuildVrtHandler,
  ImportRunHandler,
];

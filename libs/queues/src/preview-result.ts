// What a worker answers to a preview job: defined with the GDAL-free contract (libs/contracts).
export type {
  DetectedGeometryColumns,
  Inspection,
  PreviewOutcome,
  PreviewRefusal,
  RasterInspection,
  VectorInspection,
  VectorLayerSummary,
} from '@app/contracts';

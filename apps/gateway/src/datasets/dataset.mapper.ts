import type { Dataset } from '@app/jobs';
import type { DatasetResponseDto } from './dto/dataset.response.dto.js';

export function toDatasetResponse(dataset: Dataset): DatasetResponseDto {
  return {
    id: dataset.id,
    kind: dataset.kind,
    title: dataset.title,
    summary: dataset.summary,
    table_name: dataset.tableName,
    storage_key: dataset.storageKey,
    crs: dataset.crs,
    geometry_type: dataset.geometryType,
    feature_count: dataset.featureCount,
    extent: dataset.extent,
    columns: dataset.columns,
    raster: dataset.raster,
    source_job_id: dataset.sourceJobId,
    created_at: dataset.createdAt.toISOString(),
  };
}

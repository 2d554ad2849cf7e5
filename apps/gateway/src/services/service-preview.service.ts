import { Injectable } from '@nestjs/common';
import { UnprocessableError } from '@app/common';
import { JobKind, JobRepository, type RemoteServiceSource } from '@app/jobs';
import { SERVICE_TOKEN_TTL_SECONDS, ServiceTokenStore } from '@app/queues';
import { SsrfGuard, type Principal } from '@app/security';
import { PreviewService, assertSafeLayerName } from '../ingest/preview.service.js';
import type { ServicePreviewRequestDto, ServicePreviewResponseDto } from './dto/service-preview.dto.js';
import { ServiceType, isArcGis, remoteServiceSource, wfsVersionOf } from './remote-service.js';

/**
 * Seed 001's service preview: the URL passes the SSRF guard, a `pending` service-dataset job is created
 * with the layer as its source (no token in it), the token (if any) goes to the one-time Redis hand-off,
 * and a worker describes the layer (awaited like file previews). The job is then ready for
 * `POST /api/ingest/commit/{job_id}`.
 */
@Injectable()
export class ServicePreviewService {
  constructor(
    private readonly guard: SsrfGuard,
    private readonly jobs: JobRepository,
    private readonly previews: PreviewService,
    private readonly tokens: ServiceTokenStore,
  ) {}

  async preview(
    dto: ServicePreviewRequestDto,
    principal: Principal,
    requestId: string | null,
  ): Promise<ServicePreviewResponseDto> {
    assertSafeLayerName(dto.layer_name);
    const target = await this.guard.vet(dto.url);
    const source = sourceOf(dto, target.url);
    const job = await this.jobs.create({
      owner: principal.owner,
      kind: JobKind.ServiceDataset,
      source,
      params: { kind: JobKind.ServiceDataset, commit: null },
      sourceFilename: dto.layer_title ?? dto.layer_name,
      layerName: dto.layer_name,
      requestId,
    });
    if (dto.token) await this.tokens.put(job.id, dto.token, SERVICE_TOKEN_TTL_SECONDS);
    try {
      const inspection = await this.previews.runOnWorker(job.id, null, requestId);
      if (inspection.kind !== 'vector') throw new UnprocessableError('The service layer is not a vector layer.');
      return {
        job_id: job.id,
        source_filename: job.sourceFilename,
        columns: inspection.columns,
        crs: inspection.crs,
        geometry_type: inspection.geometry_type,
        feature_count: inspection.feature_count,
        sample_rows: inspection.sample_rows,
        layer_name: dto.layer_name,
      };
    } catch (error) {
      // A layer that cannot be previewed leaves no pending job (nor a token) behind.
      await this.tokens.drop(job.id).catch(() => undefined);
      await this.jobs
        .failPending(job.id, { code: 'preview-failed', message: 'The remote layer could not be previewed.' })
        .catch(() => undefined);
      throw error;
    }
  }
}

function sourceOf(dto: ServicePreviewRequestDto, url: URL): RemoteServiceSource {
  const type = dto.service_type;
  return remoteServiceSource(url, {
    serviceType: isArcGis(type) ? 'arcgis' : type === ServiceType.OgcApiFeatures ? 'oapif' : 'wfs',
    layerName: dto.layer_name,
    layerId: isArcGis(type) ? (dto.layer_id ?? null) : null,
    objectIdField: isArcGis(type) ? (dto.object_id_field ?? null) : null,
    version: wfsVersionOf(type),
  });
}

import { Module } from '@nestjs/common';
import { SsrfModule } from '@app/security';
import { IngestApiModule } from '../ingest/ingest.module.js';
import { ServiceProbeService } from './probe.service.js';
import { ServicePreviewService } from './service-preview.service.js';
import { ServicesController } from './services.controller.js';

@Module({
  imports: [SsrfModule, IngestApiModule],
  controllers: [ServicesController],
  providers: [ServiceProbeService, ServicePreviewService],
})
export class ServicesApiModule {}

import { Module } from '@nestjs/common';
import { SsrfModule } from '@app/security';
import { ServiceTokenCheck } from '../services/token-check.js';
import { CommitService } from './commit.service.js';
import { IngestConfigService } from './ingest-config.service.js';
import { IngestController } from './ingest.controller.js';
import { MultipartFileReceiver } from './multipart-file.receiver.js';
import { PresignedUploadService } from './presigned.service.js';
import { PreviewService } from './preview.service.js';
import { StoredObjectChecks } from './stored-object.checks.js';
import { UploadService } from './upload.service.js';

@Module({
  imports: [SsrfModule],
  controllers: [IngestController],
  providers: [
    CommitService,
    UploadService,
    PreviewService,
    PresignedUploadService,
    StoredObjectChecks,
    IngestConfigService,
    MultipartFileReceiver,
    ServiceTokenCheck,
  ],
  exports: [PreviewService, MultipartFileReceiver, StoredObjectChecks],
})
export class IngestApiModule {}

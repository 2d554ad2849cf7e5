import { Injectable } from '@nestjs/common';
import { AppConfig, StorageDriverName } from '@app/config';
import type { UploadConfigResponseDto } from './dto/upload-config.response.dto.js';

@Injectable()
export class IngestConfigService {
  constructor(private readonly config: AppConfig) {}

  describe(): UploadConfigResponseDto {
    const upload = this.config.upload;
    return {
      presigned_uploads: this.config.storage.driver === StorageDriverName.S3,
      presigned_threshold_bytes: upload.presignedThresholdBytes,
      part_size_bytes: upload.partSizeBytes,
      max_file_size_bytes: upload.maxFileSizeBytes,
      allowed_extensions: upload.allowedExtensions,
    };
  }
}

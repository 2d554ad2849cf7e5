import { DomainError, ErrorCode } from '@app/common';

/** The statuses an upload check can answer with; each is one `ErrorCode`. */
export type UploadRejectionStatus = 413 | 415 | 422;

const CODE_FOR_STATUS: Record<UploadRejectionStatus, ErrorCode> = {
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.Unprocessable,
};

/**
 * An upload refused by one of the checks in this folder. The message is written for the uploader: it may
 * name the file or an archive entry, never a path or host of ours.
 */
export class UploadRejectedError extends DomainError {
  constructor(status: UploadRejectionStatus, message: string, extensions: Record<string, unknown> = {}) {
    super(CODE_FOR_STATUS[status], message, extensions);
  }
}

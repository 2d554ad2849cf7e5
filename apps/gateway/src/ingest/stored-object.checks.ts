import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/common';
import { extensionOf, isAllowedExtension, safeBasename, sniffContent, zipPreflight } from '@app/security';
import { Storage, readRange } from '@app/storage';

/** Bytes read from the start of a file to recognise its type. */
export const SNIFF_BYTES = 8192;

const ZIP_EXTENSIONS = new Set(['.zip', '.xlsx']);

/** A safe basename with an allowed extension, or a 422 that says what is allowed. */
export function acceptFilename(raw: string | undefined, allowed: string[]): string {
  let name: string;
  try {
    name = safeBasename(raw ?? '');
  } catch {
    throw new DomainError(ErrorCode.Unprocessable, 'The file needs a name with an extension.');
  }
  if (!isAllowedExtension(name, allowed)) {
    throw new DomainError(
      ErrorCode.Unprocessable,
      `Files of type '${extensionOf(name) || '(none)'}' are not accepted; allowed: ${allowed.join(', ')}.`,
      {
        allowed_extensions: allowed,
      },
    );
  }
  return name;
}

/**
 * Checks run on stored bytes before a job may use them: content matches the extension (from the first
 * bytes), and archives pass the central-directory pre-flight (read with ranged reads, never unpacked).
 */
@Injectable()
export class StoredObjectChecks {
  constructor(private readonly storage: Storage) {}

  async verify(key: string, filename: string, size: number, head?: Buffer): Promise<void> {
    const extension = extensionOf(filename);
    const first =
      head ?? (size > 0 ? await readRange(this.storage, key, 0, Math.min(size, SNIFF_BYTES) - 1) : Buffer.alloc(0));
    const sniff = sniffContent(first, extension);
    if (!sniff.ok) {
      throw new DomainError(
        sniff.status === 415 ? ErrorCode.UnsupportedMediaType : ErrorCode.Unprocessable,
        sniff.reason,
      );
    }
    if (ZIP_EXTENSIONS.has(extension)) {
      const verdict = await zipPreflight({ size, read: (start, end) => readRange(this.storage, key, start, end) });
      if (!verdict.ok) throw new DomainError(ErrorCode.Unprocessable, `The archive was refused: ${verdict.reason}`);
    }
  }
}

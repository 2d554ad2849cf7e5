import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, formatBytes } from '@app/common';
import { Storage } from '@app/storage';
import busboy from 'busboy';
import { HeadCapture } from './head-capture.js';
import { SNIFF_BYTES } from './stored-object.checks.js';

export class PayloadTooLargeError extends DomainError {
  constructor(limit: number) {
    super(ErrorCode.PayloadTooLarge, `The file exceeds the ${formatBytes(limit)} limit.`, {
      max_file_size_bytes: limit,
    });
  }
}

export type MultipartRequest = Readable & { headers: IncomingHttpHeaders };

export interface ReceiveOptions {
  /** Size cap, enforced while the bytes stream (413 the moment it is passed). */
  maxBytes: number;
  /** Turns the client's filename into the safe one to store, or throws the DomainError that says why not. */
  acceptFilename(raw: string | undefined): string;
  /** Where the accepted file is written. */
  keyFor(filename: string): string;
  /** Text fields to keep (others are ignored). */
  fields?: readonly string[];
}

export interface ReceivedFile {
  filename: string;
  key: string;
  size: number;
  /** The first bytes, for content sniffing. */
  head: Buffer;
  fields: Record<string, string>;
}

/**
 * Reads a multipart body as it arrives and pipes its `file` part straight into storage; only the first
 * bytes are kept (for sniffing). Nothing is buffered whole. Shared by every upload route.
 */
@Injectable()
export class MultipartFileReceiver {
  constructor(private readonly storage: Storage) {}

  receive(req: MultipartRequest, options: ReceiveOptions): Promise<ReceivedFile> {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(contentType)) {
      return Promise.reject(
        new DomainError(
          ErrorCode.UnsupportedMediaType,
          'Send the file as multipart/form-data in a field named "file".',
        ),
      );
    }
    const max = options.maxBytes;
    const wanted = new Set(options.fields ?? []);
    return new Promise<ReceivedFile>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: req.headers,
          limits: { files: 1, fileSize: max, fields: 10, parts: 12, fieldSize: 1024 },
        });
      } catch {
        reject(new DomainError(ErrorCode.BadRequest, 'The multipart body is malformed (missing boundary?).'));
        return;
      }
      let settled = false;
      let stored: Promise<Omit<ReceivedFile, 'fields'>> | undefined;
      const fields: Record<string, string> = {};
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        req.unpipe(parser);
        req.resume(); // drain whatever the client still sends; the response says why
        reject(error);
      };

      parser.on('field', (name, value) => {
        if (wanted.has(name)) fields[name] = value;
      });
      parser.on('file', (field, stream, info) => {
        if (field !== 'file' || stored) {
          stream.resume();
          return;
        }
        let filename: string;
        try {
          filename = options.acceptFilename(info.filename);
        } catch (error) {
          stream.resume();
          fail(error);
          return;
        }
        const key = options.keyFor(filename);
        const capture = new HeadCapture(SNIFF_BYTES);
        // The storage write may attach its listeners only after an await: an error before then must not
        // be an unhandled 'error' event. The caller learns of it from the write's rejection.
        capture.on('error', () => undefined);
        // The answer waits for the write to fail, so its partial object is gone before the client hears of it.
        stream.on('limit', () => capture.destroy(new PayloadTooLargeError(max)));
        stream.on('error', (error: Error) => capture.destroy(error));
        stream.pipe(capture);
        stored = this.storage.write(key, capture).then((size) => ({ filename, key, size, head: capture.head }));
        stored.catch(fail);
      });
      parser.on('error', () => fail(new DomainError(ErrorCode.BadRequest, 'The multipart body is malformed.')));
      parser.on('close', () => {
        if (settled) return;
        if (!stored) {
          fail(
            new DomainError(
              ErrorCode.ValidationFailed,
              'The request has no file: send it in a multipart field named "file".',
            ),
          );
          return;
        }
        stored.then((r) => {
          if (settled) return;
          settled = true;
          resolve({ ...r, fields });
        }, fail);
      });
      req.on('aborted', () => fail(new DomainError(ErrorCode.BadRequest, 'The upload was interrupted.')));
      req.pipe(parser);
    });
  }
}

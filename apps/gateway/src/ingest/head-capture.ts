import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged while keeping the first `limit` of them for content sniffing. */
export class HeadCapture extends Transform {
  private readonly chunks: Buffer[] = [];
  private captured = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.captured < this.limit) {
      const part = chunk.subarray(0, this.limit - this.captured);
      this.chunks.push(Buffer.from(part));
      this.captured += part.length;
    }
    callback(null, chunk);
  }

  get head(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Random access to the bytes of one object (a stored object through ranged reads).
 * `read` returns bytes `start..endInclusive` (HTTP Range semantics); callers stay within `size`.
 */
export interface RangeReader {
  readonly size: number;
  read(start: number, endInclusive: number): Promise<Buffer>;
}

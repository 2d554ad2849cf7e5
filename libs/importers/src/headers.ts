/**
 * How source headers match: ignoring case, spaces, `_` and `-` (`Station Code` = `station_code`), and a
 * byte-order mark a reader may have left on the first header.
 */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[\s_\-\uFEFF]+/g, '');
}

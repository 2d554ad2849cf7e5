/** How source headers match: ignoring case, spaces, `_` and `-` (`Station Code` = `station_code`). */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}

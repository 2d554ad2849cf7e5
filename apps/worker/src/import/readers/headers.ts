/**
 * Header names as records use them: every name is unique and non-empty, so a record is a plain object
 * without a collision. An empty header at position 2 becomes `column_2`; a repeated `name` becomes
 * `name_2`, `name_3`…
 */
export function uniqueHeaders(raw: readonly unknown[]): string[] {
  const taken = new Set<string>();
  return raw.map((value, index) => claim(taken, headerText(value) || `column_${index + 1}`));
}

/**
 * Names for cells beyond the header (ragged rows): `column_<position>`, unique against the existing
 * names. They are part of `headers`, so the extra cells are kept and shown, never silently dropped.
 */
export function extendHeaders(headers: string[], width: number): string[] {
  if (width <= headers.length) return headers;
  const taken = new Set(headers);
  const extended = [...headers];
  for (let position = headers.length + 1; position <= width; position += 1) {
    extended.push(claim(taken, `column_${position}`));
  }
  return extended;
}

function claim(taken: Set<string>, base: string): string {
  let name = base;
  for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

function headerText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim() === '' ? '' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** True when no cell holds anything but whitespace: such rows are skipped, like blank lines. */
export function isBlankRow(cells: readonly unknown[]): boolean {
  for (const cell of cells) {
    if (cell === null || cell === undefined) continue;
    if (typeof cell === 'string' && cell.trim() === '') continue;
    return false;
  }
  return true;
}

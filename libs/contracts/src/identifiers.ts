/** PostgreSQL identifier rules shared by the GDAL load (column names) and the database side (table names). */

export const MAX_IDENTIFIER = 63;

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** True for names we may splice into SQL and GDAL's `-nln` unquoted: lowercase ascii, ≤63 chars. */
export function isSafeIdentifier(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IDENTIFIER && SAFE_IDENTIFIER.test(name);
}

// Letters NFKD does not decompose into ascii.
const TRANSLITERATIONS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** Lowercase ascii words joined by `_`: "Größe (m²)" → "grosse_m2". May be empty or start with a digit. */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => TRANSLITERATIONS[c] ?? '_')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Cuts `base` so that `base + suffix` fits in 63 characters, without leaving a dangling `_`. */
export function fitIdentifier(base: string, suffix = ''): string {
  const cut = base.slice(0, MAX_IDENTIFIER - suffix.length);
  const trimmed = cut.replace(/_+$/, '');
  return (trimmed || cut) + suffix;
}

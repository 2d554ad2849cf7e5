import { UploadRejectedError } from './upload.errors.js';

/** Extensions accepted when the operator configures none. Every one has a content sniffer (sniff.ts). */
export const DEFAULT_ALLOWED_EXTENSIONS: readonly string[] = [
  '.gpkg',
  '.zip',
  '.geojson',
  '.json',
  '.topojson',
  '.csv',
  '.xlsx',
  '.tif',
  '.tiff',
  '.fgb',
  '.kml',
];

/** Linux NAME_MAX; S3 allows longer keys, but staged files may also land on a local disk. */
const MAX_FILENAME_BYTES = 255;

// Control and invisible format characters (NUL, C0/C1, bidi overrides, zero-width joiners): dropped, so
// they can neither truncate a name in C code nor disguise its extension on screen.
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
const COMBINING_MARK = /\p{M}/gu;
// A run of anything outside the storage-key alphabet (libs/storage `assertSafeKey`) becomes one `_`.
const UNSAFE_RUN = /[^A-Za-z0-9._-]+/g;

export interface SafeBasenameOptions {
  /** Byte budget for the result (default 255). Lower it when a prefix will be added to the name. */
  maxBytes?: number;
}

/**
 * The name an upload is stored under: the last path segment of what the client sent, reduced to
 * `[A-Za-z0-9._-]`. Letters with accents keep their base letter (compatibility decomposition, marks
 * dropped: `Übersicht` → `Ubersicht`); other non-ASCII characters and whitespace become `_`. ASCII only
 * because the result is used as a storage-key segment and as a GDAL path, and both must be unambiguous;
 * keep the client's original name separately if it is to be shown. Never starts with `-` (GDAL would read
 * an option) or `.` (hidden file), and fits in `maxBytes` with its extension intact.
 *
 * Throws `UploadRejectedError` (422) when nothing usable is left: empty, `.` or `..`.
 */
export function safeBasename(name: string, options: SafeBasenameOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_FILENAME_BYTES;
  // Normalise first so full-width `／` or `＼` become real separators before the basename is taken.
  const cleaned = name.normalize('NFKD').replace(/\s+/gu, ' ').replace(INVISIBLE, '');
  const base = (cleaned.split(/[/\\]/).pop() ?? '').trim();
  if (base === '' || base === '.' || base === '..') {
    throw new UploadRejectedError(422, 'The file name is empty or not usable; rename the file and upload it again.');
  }
  let safe = base.replace(COMBINING_MARK, '').replace(UNSAFE_RUN, '_');
  if (safe.startsWith('-') || safe.startsWith('.')) safe = `_${safe}`;
  return truncateKeepingExtension(safe, maxBytes);
}

/** `safe` is ASCII here, so characters and bytes are the same count. */
function truncateKeepingExtension(safe: string, maxBytes: number): string {
  if (safe.length <= maxBytes) return safe;
  const extension = safe.slice(safe.length - extensionOf(safe).length);
  // An "extension" longer than half the budget is not one worth keeping.
  if (extension.length === 0 || extension.length > maxBytes / 2) return safe.slice(0, maxBytes);
  return safe.slice(0, maxBytes - extension.length) + extension;
}

/**
 * Lower-case extension with its dot (`.gpkg`), or `''` when there is none. Only the last path segment
 * counts; a leading dot (`.bashrc`) or a trailing one (`name.`) is not an extension.
 */
export function extensionOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base.slice(dot).toLowerCase();
}

/** Whether `name`'s extension is in `allowed` (entries compared case-insensitively; the dot is optional). */
export function isAllowedExtension(name: string, allowed: readonly string[] = DEFAULT_ALLOWED_EXTENSIONS): boolean {
  const extension = extensionOf(name);
  if (extension === '') return false;
  return allowed.some((a) => normaliseExtension(a) === extension);
}

/** `GPKG`, `.GPKG`, ` .gpkg ` → `.gpkg`. */
export function normaliseExtension(extension: string): string {
  const e = extension.trim().toLowerCase();
  return e.startsWith('.') ? e : `.${e}`;
}

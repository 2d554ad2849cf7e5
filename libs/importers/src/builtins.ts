// The transforms and rules of DESIGN §4. Messages follow Laravel's wording (`:field` is the column name).
import { UUID_PATTERN } from '@app/common';
import { asciiSlug } from '@app/contracts';
import { registerCustomSteps } from './custom-steps.js';
import { compileDateFormat, type DateFormat } from './date-format.js';
import { ImporterRegistry, StepArgumentError, TransformFailure } from './registry.js';

type Scalar = string | number | boolean;

export const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** The words the boolean type reads as true and as false (lower-case; compared after trim and lower-case). */
export const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', '1', 'y', 'ja', 'j', 't', 'on']);
export const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', '0', 'n', 'nein', 'f', 'off']);
/** The `email` rule's pattern (also compiled to SQL by the worker's plain-CSV path). */
export const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]+$/;

/** `true`/`false` for the words DESIGN §4 lists (case-insensitive), null for anything else. */
export function parseBooleanWord(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value !== 'string') return null;
  const word = value.trim().toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : null;
}

export function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys an object argument may have; anything else is a typo the author should hear about. */
function objectArg(raw: unknown, allowed: string[], required: string[] = []): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new StepArgumentError(`must be an object with ${allowed.join(', ')}`);
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new StepArgumentError('unknown key', key);
  }
  for (const key of required) {
    if (raw[key] === undefined || raw[key] === null) throw new StepArgumentError('is required', key);
  }
  return raw;
}

function numberArg(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new StepArgumentError('must be a number');
  return raw;
}

function lengthArg(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) {
    throw new StepArgumentError('must be a non-negative integer');
  }
  return raw;
}

function regexArg(raw: unknown, key?: string): RegExp {
  if (typeof raw !== 'string' || raw.length === 0) throw new StepArgumentError('must be a non-empty string', key);
  try {
    return new RegExp(raw, 'u');
  } catch {
    throw new StepArgumentError('is not a valid regular expression', key);
  }
}

function scalarListArg(raw: unknown): Scalar[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || !list.every(isScalar)) throw new StepArgumentError('must be a list of strings or numbers');
  return list;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** A numeric value for min/max/between, or null when the value is not a number. */
function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL_NUMBER.test(value.trim())) return Number(value);
  return null;
}

/** `1.234,5` with `{decimal: ',', thousands: '.'}` → `1234.5`; null when it is not a number in that notation. */
export function parseLocaleNumber(input: string, decimal: string, thousands: string | null): string | null {
  let s = input.trim().replace(/[\u00a0\u202f]/g, ' ');
  if (thousands !== null) {
    const parts = s.split(thousands);
    // Thousands separators only between digit groups of three after the first group.
    if (parts.length > 1) {
      const [head = '', ...rest] = parts;
      const tailGroups = rest.map((p, i) => (i === rest.length - 1 ? p.split(decimal)[0] : p));
      if (!/^[+-]?\d{1,3}$/.test(head) || !tailGroups.every((g) => g !== undefined && /^\d{3}$/.test(g))) return null;
      s = parts.join('');
    }
  }
  if (decimal !== '.') {
    if (s.includes('.')) return null;
    s = s.replace(decimal, '.');
  }
  if (!DECIMAL_NUMBER.test(s)) return null;
  return s.replace(/^\+/, '');
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ftp:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

function registerTransforms(r: ImporterRegistry): void {
  r.defineTransform('trim', { apply: (v) => (typeof v === 'string' ? v.trim() : v) });
  r.defineTransform('lower', { apply: (v) => (typeof v === 'string' ? v.toLowerCase() : v) });
  r.defineTransform('upper', { apply: (v) => (typeof v === 'string' ? v.toUpperCase() : v) });
  r.defineTransform('null_if', {
    argument: (raw) => scalarListArg(raw).map((x) => String(x)),
    apply: (v, list) => (v !== null && v !== undefined && list.includes(text(v)) ? null : v),
  });
  r.defineTransform('default', {
    argument: (raw) => {
      if (!isScalar(raw)) throw new StepArgumentError('must be a string, number or boolean');
      return raw;
    },
    apply: (v, fallback) => (v === null || v === undefined || v === '' ? fallback : v),
  });
  r.defineTransform('map', {
    argument: (raw) => {
      if (!isPlainObject(raw) || Object.keys(raw).length === 0) {
        throw new StepArgumentError('must be a non-empty object of value: replacement');
      }
      for (const [key, to] of Object.entries(raw)) {
        if (to !== null && !isScalar(to)) throw new StepArgumentError('must be a string, number, boolean or null', key);
      }
      return new Map(Object.entries(raw));
    },
    apply: (v, map) => {
      if (v === null || v === undefined) return v;
      const key = text(v);
      return map.has(key) ? map.get(key) : v;
    },
  });
  r.defineTransform('number', {
    argument: (raw) => {
      const arg = objectArg(raw ?? {}, ['decimal', 'thousands']);
      const decimal = arg.decimal ?? '.';
      const thousands = arg.thousands ?? null;
      if (decimal !== '.' && decimal !== ',') throw new StepArgumentError("must be '.' or ','", 'decimal');
      if (thousands !== null && !['.', ',', ' ', "'", '_'].includes(thousands as string)) {
        throw new StepArgumentError("must be '.', ',', ' ', \"'\" or '_'", 'thousands');
      }
      if (thousands === decimal) throw new StepArgumentError('must differ from decimal', 'thousands');
      return { decimal, thousands: thousands as string | null };
    },
    apply: (v, { decimal, thousands }) => {
      if (v === null || v === undefined || typeof v === 'number') return v;
      const s = text(v);
      if (s.trim() === '') return null;
      const parsed = parseLocaleNumber(s, decimal, thousands);
      if (parsed === null) throw new TransformFailure('The :field field must be a number.');
      return parsed;
    },
  });
  r.defineTransform('boolean', {
    apply: (v) => {
      if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return null;
      const b = parseBooleanWord(v);
      if (b === null) throw new TransformFailure('The :field field must be true or false.');
      return b;
    },
  });
  r.defineTransform('date', {
    argument: (raw): DateFormat => {
      const arg = objectArg(raw, ['format'], ['format']);
      if (typeof arg.format !== 'string') throw new StepArgumentError('must be a string', 'format');
      try {
        return compileDateFormat(arg.format);
      } catch (error) {
        throw new StepArgumentError((error as Error).message, 'format');
      }
    },
    apply: (v, format) => {
      if (v === null || v === undefined || v instanceof Date) return v;
      const s = text(v);
      if (s.trim() === '') return null;
      const iso = format.parse(s);
      if (iso === null) throw new TransformFailure(`The :field field must match the format ${format.source}.`);
      return iso;
    },
  });
  r.defineTransform('concat', {
    argument: (raw) => {
      const arg = objectArg(raw, ['fields', 'separator'], ['fields']);
      const fields = arg.fields;
      if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string' && f !== '')) {
        throw new StepArgumentError('must be a non-empty list of source headers', 'fields');
      }
      const separator = arg.separator ?? ' ';
      if (typeof separator !== 'string') throw new StepArgumentError('must be a string', 'separator');
      return { fields: fields as string[], separator };
    },
    apply: (_v, { fields, separator }, context) => {
      const parts = fields
        .map((header) => context.source(header))
        .filter((x) => x !== null && x !== undefined && text(x).trim() !== '')
        .map(text);
      return parts.length > 0 ? parts.join(separator) : null;
    },
    headers: ({ fields }) => fields,
  });
  r.defineTransform('slug', {
    apply: (v) => (typeof v === 'string' ? asciiSlug(v).replace(/_/g, '-') : v),
  });
  r.defineTransform('replace', {
    argument: (raw) => {
      const arg = objectArg(raw, ['pattern', 'with'], ['pattern']);
      const pattern = regexArg(arg.pattern, 'pattern');
      const replacement = arg.with ?? '';
      if (typeof replacement !== 'string') throw new StepArgumentError('must be a string', 'with');
      return { pattern: new RegExp(pattern.source, 'gu'), replacement };
    },
    apply: (v, { pattern, replacement }) => (typeof v === 'string' ? v.replace(pattern, replacement) : v),
  });
}

function registerRules(r: ImporterRegistry): void {
  r.defineRule('required', {
    implicit: true,
    check: (v) =>
      v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
        ? 'The :field field is required.'
        : null,
  });
  r.defineRule('email', {
    check: (v) => (isEmail(text(v)) ? null : 'The :field field must be a valid email address.'),
  });
  r.defineRule('url', { check: (v) => (isUrl(text(v)) ? null : 'The :field field must be a valid URL.') });
  r.defineRule('uuid', { check: (v) => (isUuid(text(v)) ? null : 'The :field field must be a valid UUID.') });
  r.defineRule('min', {
    argument: numberArg,
    check: (v, min) => {
      const n = numericValue(v);
      if (n === null) return 'The :field field must be a number.';
      return n < min ? `The :field field must be at least ${min}.` : null;
    },
  });
  r.defineRule('max', {
    argument: numberArg,
    check: (v, max) => {
      const n = numericValue(v);
      if (n === null) return 'The :field field must be a number.';
      return n > max ? `The :field field must not be greater than ${max}.` : null;
    },
  });
  r.defineRule('between', {
    argument: (raw) => {
      if (!Array.isArray(raw) || raw.length !== 2 || !raw.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new StepArgumentError('must be two numbers [min, max]');
      }
      const [lo, hi] = raw as [number, number];
      if (lo > hi) throw new StepArgumentError('must be [min, max] with min ≤ max');
      return [lo, hi] as const;
    },
    check: (v, [lo, hi]) => {
      const n = numericValue(v);
      if (n === null) return 'The :field field must be a number.';
      return n < lo || n > hi ? `The :field field must be between ${lo} and ${hi}.` : null;
    },
  });
  r.defineRule('min_length', {
    argument: lengthArg,
    check: (v, min) =>
      Array.from(text(v)).length < min ? `The :field field must be at least ${min} characters.` : null,
  });
  r.defineRule('max_length', {
    argument: lengthArg,
    check: (v, max) =>
      Array.from(text(v)).length > max ? `The :field field must not be greater than ${max} characters.` : null,
  });
  r.defineRule('in', {
    argument: (raw) => {
      if (!Array.isArray(raw)) throw new StepArgumentError('must be a list of allowed values');
      return new Set(scalarListArg(raw).map((x) => String(x)));
    },
    check: (v, allowed) => (allowed.has(text(v)) ? null : 'The selected :field is invalid.'),
  });
  r.defineRule('regex', {
    argument: (raw) => regexArg(raw),
    check: (v, re) => (re.test(text(v)) ? null : 'The :field field format is invalid.'),
  });
}

/** A registry holding only the built-ins. */
export function createImporterRegistry(): ImporterRegistry {
  const registry = new ImporterRegistry();
  registerTransforms(registry);
  registerRules(registry);
  return registry;
}

/**
 * The registry the apps and the CLI load importer files with: the built-ins plus the custom steps of
 * custom-steps.ts (see docs/importers.md).
 */
export const importerRegistry = createImporterRegistry();
registerCustomSteps(importerRegistry);

// Casting a transformed value to its field's type. Results are ready for a text COPY of the typed column:
// integer and double as JS numbers, bigint and numeric as exact decimal strings, dates as ISO strings,
// booleans, json as parsed values. A failed cast is a validation message (`:field` = the column).
import { DECIMAL_NUMBER, isUuid, parseBooleanWord } from './builtins.js';
import { isCalendarDate } from './date-format.js';
import type { FieldType } from './definition.js';

export type CastResult = { ok: true; value: unknown } | { ok: false; message: string };

const INTEGER = /^[+-]?\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const INT32 = [-2147483648, 2147483647] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;

const fail = (message: string): CastResult => ({ ok: false, message });
const ok = (value: unknown): CastResult => ({ ok: true, value });

function asText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return null;
}

/** Casts a non-null value. */
export function castValue(value: unknown, type: FieldType): CastResult {
  switch (type) {
    case 'text':
      if (typeof value === 'string') return ok(value);
      if (value instanceof Date) return ok(value.toISOString());
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
        return ok(String(value));
      return ok(JSON.stringify(value));
    case 'integer': {
      const s = asText(value);
      if (s === null || !INTEGER.test(s)) return fail('The :field field must be an integer.');
      const n = Number(s);
      if (n < INT32[0] || n > INT32[1]) return fail(`The :field field must be between ${INT32[0]} and ${INT32[1]}.`);
      return ok(n);
    }
    case 'bigint': {
      const s = asText(value);
      if (s === null || !INTEGER.test(s)) return fail('The :field field must be an integer.');
      const n = BigInt(s);
      if (n < INT64[0] || n > INT64[1]) return fail('The :field field is out of range for a 64-bit integer.');
      return ok(n.toString());
    }
    case 'numeric': {
      const s = asText(value);
      if (s === null || !DECIMAL_NUMBER.test(s)) return fail('The :field field must be a number.');
      return ok(s.replace(/^\+/, ''));
    }
    case 'double': {
      const s = asText(value);
      if (s === null || !DECIMAL_NUMBER.test(s)) return fail('The :field field must be a number.');
      const n = Number(s);
      return Number.isFinite(n) ? ok(n) : fail('The :field field must be a number.');
    }
    case 'boolean': {
      const b = parseBooleanWord(value);
      return b === null ? fail('The :field field must be true or false.') : ok(b);
    }
    case 'date': {
      if (value instanceof Date) {
        return Number.isNaN(value.getTime())
          ? fail('The :field field must be a valid date.')
          : ok(value.toISOString().slice(0, 10));
      }
      const m = typeof value === 'string' ? ISO_DATE.exec(value.trim()) : null;
      if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
        return fail('The :field field must be a valid date (YYYY-MM-DD).');
      }
      return ok(m[0]);
    }
    case 'timestamptz': {
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? fail('The :field field must be a valid date.') : ok(value.toISOString());
      }
      const s = typeof value === 'string' ? value.trim() : '';
      const m = ISO_TIMESTAMP.exec(s);
      if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4] ?? 0) > 23) {
        return fail('The :field field must be a valid date and time (ISO 8601).');
      }
      if (Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59)
        return fail('The :field field must be a valid date and time (ISO 8601).');
      return ok(s.replace(' ', 'T'));
    }
    case 'uuid': {
      const s = typeof value === 'string' ? value.trim() : '';
      return isUuid(s) ? ok(s.toLowerCase()) : fail('The :field field must be a valid UUID.');
    }
    case 'json': {
      if (typeof value !== 'string') return ok(value);
      try {
        return ok(JSON.parse(value) as unknown);
      } catch {
        return fail('The :field field must be a valid JSON string.');
      }
    }
  }
  return fail('The :field field has an unknown type.');
}

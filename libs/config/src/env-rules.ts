/**
 * The rules `EnvSchema`'s fields are declared with, and the one function that applies them.
 *
 * Environment values are strings, checked once at boot, so a few small rules do the whole job. This
 * replaces class-validator and class-transformer here: both apps load this library, and the worker
 * needs neither of them anywhere else. With them, an idle worker held about 3.4 MiB more heap
 * (class-validator loads validator.js and libphonenumber-js' metadata; docs/benchmarks.md, "Lean ingest").
 *
 * A problem is reported as the field's name and the names of the rules it breaks (`PORT: isInt, max`),
 * never its value: a mistyped secret must not reach a log.
 */

type Check = (value: unknown) => boolean;

interface FieldRules {
  optional: boolean;
  /** Applied, in order, to a value taken from the environment (not to a default). */
  conversions: ((value: unknown) => unknown)[];
  /** In the order they are written, top to bottom. */
  checks: { name: string; check: Check }[];
}

const schemas = new WeakMap<object, Map<string, FieldRules>>();

function rulesOf(prototype: object, key: string | symbol): FieldRules {
  if (typeof key !== 'string') throw new TypeError('environment fields are named by strings');
  let fields = schemas.get(prototype);
  if (!fields) schemas.set(prototype, (fields = new Map()));
  let rules = fields.get(key);
  if (!rules) fields.set(key, (rules = { optional: false, conversions: [], checks: [] }));
  return rules;
}

// Decorators run bottom-up; unshift keeps the written order.
const rule =
  (name: string, check: Check): PropertyDecorator =>
  (prototype, key) => {
    rulesOf(prototype, key).checks.unshift({ name, check });
  };

const conversion =
  (convert: (value: unknown) => unknown): PropertyDecorator =>
  (prototype, key) => {
    rulesOf(prototype, key).conversions.unshift(convert);
  };

/** Absent (or null) is allowed; the other rules apply to a value that is there. */
export const IsOptional =
  (): PropertyDecorator =>
  (prototype, key): void => {
    rulesOf(prototype, key).optional = true;
  };

/** A string from the environment becomes a number (`''` is 0, `'x'` NaN, which `IsInt` refuses). */
export const ToNumber = (): PropertyDecorator => conversion((v) => (typeof v === 'string' ? Number(v) : v));

/** Any conversion of a value from the environment. */
export const Transform = (convert: (value: unknown) => unknown): PropertyDecorator => conversion(convert);

export const IsString = (): PropertyDecorator => rule('isString', (v) => typeof v === 'string');

export const IsBoolean = (): PropertyDecorator => rule('isBoolean', (v) => typeof v === 'boolean');

export const IsInt = (): PropertyDecorator => rule('isInt', (v) => typeof v === 'number' && Number.isInteger(v));

export const Min = (min: number): PropertyDecorator => rule('min', (v) => typeof v === 'number' && v >= min);

export const Max = (max: number): PropertyDecorator => rule('max', (v) => typeof v === 'number' && v <= max);

/** At least `min` characters (a surrogate pair counts as one). */
export const MinLength = (min: number): PropertyDecorator =>
  rule('minLength', (v) => typeof v === 'string' && v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length >= min);

export const Matches = (pattern: RegExp): PropertyDecorator =>
  rule('matches', (v) => typeof v === 'string' && pattern.test(v));

export const IsIn = (allowed: readonly unknown[]): PropertyDecorator => rule('isIn', (v) => allowed.includes(v));

/** One of a string enum's values. */
export const IsEnum = (values: Record<string, string>): PropertyDecorator => {
  const allowed = Object.values(values);
  return rule('isEnum', (v) => typeof v === 'string' && allowed.includes(v));
};

/**
 * An absolute `http:` or `https:` URL with a host. Host names without a dot are fine (`otel-collector`,
 * `localhost`): these name services next to Strata.
 */
export const IsHttpUrl = (): PropertyDecorator =>
  rule('isUrl', (v) => {
    if (typeof v !== 'string' || !/^https?:\/\//i.test(v)) return false;
    try {
      return new URL(v).hostname !== '';
    } catch {
      return false;
    }
  });

/**
 * A `schema` instance with its defaults, overridden by the values `source` has for its fields (others are
 * ignored), each converted by its field's conversions; and every field's broken rules.
 */
export function applyEnvRules<T extends object>(
  schema: new () => T,
  source: Record<string, string | undefined>,
): { value: T; problems: string[] } {
  const value = new schema();
  const target = value as Record<string, unknown>;
  const fields = schemas.get(schema.prototype as object) ?? new Map<string, FieldRules>();
  const problems: string[] = [];
  for (const [key, rules] of fields) {
    const raw = source[key];
    if (raw !== undefined) target[key] = rules.conversions.reduce<unknown>((v, convert) => convert(v), raw);
    const current = target[key];
    if (rules.optional && (current === undefined || current === null)) continue;
    const broken = rules.checks.filter(({ check }) => !check(current)).map(({ name }) => name);
    if (broken.length > 0) problems.push(`${key}: ${broken.join(', ')}`);
  }
  return { value, problems };
}

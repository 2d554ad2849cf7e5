import type { ValueTransformer } from 'typeorm';

/** pg returns int8 as a string; our counts stay far below 2^53. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A jsonb document read through its parser: a row that does not match its type is refused, not cast. */
export function validatedJson<T>(parse: (value: unknown) => T): ValueTransformer {
  return {
    to: (value: T | undefined) => value,
    from: (value: unknown) => (value === null || value === undefined ? value : parse(value)),
  };
}

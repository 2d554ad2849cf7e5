/**
 * A piece of SQL with named parameters (`:name`), so a query is written without counting `$n`
 * placeholders. `::type` casts are left alone.
 */
export class SqlFragment {
  constructor(
    readonly text: string,
    readonly values: Readonly<Record<string, unknown>> = {},
  ) {}
}

export const sql = (text: string, values: Record<string, unknown> = {}): SqlFragment => new SqlFragment(text, values);

/** A JSON document as a jsonb parameter. */
export const jsonb = (value: unknown): SqlFragment => sql(':value::jsonb', { value: JSON.stringify(value) });

export const NOW = sql('now()');

const NAMED = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g;

/** Turns named parameters into the positional ones `pg` wants, in the order they are rendered. */
export class PositionalParams {
  readonly values: unknown[] = [];

  /** A plain value as a placeholder. */
  value(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  render(fragment: SqlFragment): string {
    return fragment.text.replace(NAMED, (_match, name: string) => {
      if (!Object.hasOwn(fragment.values, name)) throw new Error(`SQL parameter :${name} has no value`);
      return this.value(fragment.values[name]);
    });
  }

  /** A value for `SET column = …`: fragments are rendered, anything else becomes a parameter. */
  assign(value: unknown): string {
    return value instanceof SqlFragment ? this.render(value) : this.value(value);
  }
}

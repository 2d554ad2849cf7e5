// One registry of transform and rule names: the built-ins of DESIGN §4 plus the custom ones a deployment
// registers in TypeScript before the importer files are loaded (an unknown name in a file is a load error).

/** Thrown by an argument parser: the message completes `<file>: <key path>: …`. */
export class StepArgumentError extends Error {
  constructor(
    message: string,
    /** A sub-key of the argument the problem is about (`format` → `…date.format`). */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'StepArgumentError';
  }
}

/**
 * Thrown by a transform for a value it cannot convert; the message ends up in the row's validation
 * errors. Use `:field` for the field's name (`The :field field must be a number.`).
 */
export class TransformFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformFailure';
  }
}

/** What a transform sees besides the value. */
export interface TransformContext {
  /** The target column being filled. */
  readonly field: string;
  /** The raw value of a source header, matched like `from` (ignoring case, spaces, `_` and `-`); null when absent. */
  source(header: string): unknown;
}

export interface TransformDefinition<A = unknown> {
  /**
   * Checks and normalizes the argument written in the file (throw StepArgumentError). Omitted: the
   * transform takes no argument (`- trim`).
   */
  argument?: (raw: unknown) => A;
  /** The new value. Throw TransformFailure for a value that cannot be converted. */
  apply: (value: unknown, arg: A, context: TransformContext) => unknown;
  /** Source headers the transform reads besides the field's own (so they are not reported unused). */
  headers?: (arg: A) => string[];
}

/** What a rule sees besides the value. */
export interface RuleContext {
  readonly field: string;
  readonly type: string;
}

export interface RuleDefinition<A = unknown> {
  argument?: (raw: unknown) => A;
  /**
   * The message when the value breaks the rule (`:field` is replaced by the field's name), else null. The
   * value is already cast to the field's type.
   */
  check: (value: unknown, arg: A, context: RuleContext) => string | null;
  /** Also called for null values (like `required`); by default a null value passes every rule. */
  implicit?: boolean;
}

/** Names the registry knows; deferred rules are checked by the pipeline in SQL, not by `check`. */
export const DEFERRED_RULES = ['exists', 'unique_in_file'] as const;

// Stored with the argument type erased: the registry only passes each definition its own parsed argument.
type AnyTransform = TransformDefinition;
type AnyRule = RuleDefinition;

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export class ImporterRegistry {
  private readonly transforms = new Map<string, AnyTransform>();
  private readonly rules = new Map<string, AnyRule>();

  /** Registers a transform usable in files as `- name` or `- {name: arg}`. Names are unique across built-ins. */
  defineTransform<A = null>(name: string, definition: TransformDefinition<A>): this {
    this.assertNew(name, this.transforms);
    this.transforms.set(name, definition as unknown as AnyTransform);
    return this;
  }

  /** Registers a rule usable in files as `- name` or `- {name: arg}`. */
  defineRule<A = null>(name: string, definition: RuleDefinition<A>): this {
    this.assertNew(name, this.rules);
    if ((DEFERRED_RULES as readonly string[]).includes(name)) throw new Error(`'${name}' is a reserved rule name`);
    this.rules.set(name, definition as unknown as AnyRule);
    return this;
  }

  transform(name: string): AnyTransform | undefined {
    return this.transforms.get(name);
  }

  rule(name: string): AnyRule | undefined {
    return this.rules.get(name);
  }

  transformNames(): string[] {
    return [...this.transforms.keys()];
  }

  ruleNames(): string[] {
    return [...this.rules.keys(), ...DEFERRED_RULES];
  }

  private assertNew(name: string, map: Map<string, unknown>): void {
    if (!NAME.test(name)) throw new Error(`'${name}' is not a valid name (lowercase letters, digits and _)`);
    if (map.has(name)) throw new Error(`'${name}' is already registered`);
  }
}

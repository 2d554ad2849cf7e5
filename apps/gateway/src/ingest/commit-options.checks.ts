import { UnprocessableError } from '@app/common';
import { COMMIT_OPTION_FIELDS, type CommitRequest, type ContentKind } from '@app/jobs';

const VECTOR_FIELDS = ['layer_name', 'x_column', 'y_column', 'geom_column'] as const;
const RASTER_FIELDS = ['compression', 'resampling', 'nodata_override', 'strict_cog'] as const;

type Loc = (string | number)[];

/** Fields of the other kind of file are refused, so a client never believes an option took effect. */
export function misplacedFields(kind: ContentKind, body: Partial<Record<string, unknown>>): string[] {
  const foreign = kind === 'vector' ? RASTER_FIELDS : VECTOR_FIELDS;
  return foreign.filter((field) => body[field] !== undefined);
}

/** The commit options present in a request object (absent ones left out; null kept: it clears on retry). */
export function commitOptionsIn(body: object): CommitRequest {
  const source = body as Partial<Record<string, unknown>>;
  return Object.fromEntries(
    COMMIT_OPTION_FIELDS.filter((field) => source[field] !== undefined).map((field) => [field, source[field]]),
  ) as CommitRequest;
}

/**
 * One 422 listing every option that does not apply to a file of `kind`, wherever in the request it was
 * given (`parts` pairs each options object with its location, e.g. `['body', 'layers', 2]`).
 */
export function assertOptionsApply(kind: ContentKind, parts: { options: object; loc: Loc }[]): void {
  const errors = parts.flatMap(({ options, loc }) =>
    misplacedFields(kind, options as Record<string, unknown>).map((field) => ({
      loc: [...loc, field],
      msg: `only applies to ${kind === 'vector' ? 'raster' : 'vector'} files`,
      type: 'not_applicable',
    })),
  );
  if (errors.length === 0) return;
  const fields = [...new Set(errors.map((e) => String(e.loc.at(-1))))];
  throw new UnprocessableError(`This file is a ${kind}; these fields do not apply to it: ${fields.join(', ')}.`, {
    errors,
  });
}

/** x_column and y_column name one geometry together: one without the other is refused. */
export function assertCoordinatePair(options: CommitRequest, loc: Loc = ['body']): void {
  const x = options.x_column ?? null;
  const y = options.y_column ?? null;
  if ((x === null) === (y === null)) return;
  throw new UnprocessableError('x_column and y_column must be given together.', {
    errors: [{ loc: [...loc, x === null ? 'x_column' : 'y_column'], msg: 'needs its pair', type: 'missing_pair' }],
  });
}

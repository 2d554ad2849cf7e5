/**
 * What a database error inside a merge means for the rows it was about: a constraint or a value the
 * target refuses fails only the rows that cause it (the pipeline isolates them); anything else (a
 * missing table, a lost connection) fails the run. Messages are user-safe: the constraint or column name,
 * never SQL, values or PostgreSQL's detail.
 */
export function rowFailureMessage(error: unknown): string | null {
  const e = driverErrorOf(error);
  const code = e.code ?? '';
  const name = (value: string | undefined, fallback: string): string => (value ? `'${value}'` : fallback);
  switch (code) {
    case '23505':
      return `The row violates the unique constraint ${name(e.constraint, 'of the target table')}.`;
    case '23514':
      return `The row violates the check constraint ${name(e.constraint, 'of the target table')}.`;
    case '23503':
      return `The row violates the foreign key constraint ${name(e.constraint, 'of the target table')}.`;
    case '23502':
      return `The row has no value for the required column ${name(e.column, 'of the target table')}.`;
    case '23P01':
      return `The row violates the exclusion constraint ${name(e.constraint, 'of the target table')}.`;
    case '22001':
      return 'A value is too long for its column in the target table.';
    case '22003':
      return 'A value is out of range for its column in the target table.';
  }
  if (code.startsWith('23')) return 'The row violates a constraint of the target table.';
  if (code.startsWith('22')) return 'A value is not accepted by its column in the target table.';
  // PostGIS reports unparsable or invalid geometries as internal errors (XX000) with its own wording.
  if (code === 'XX000' && /geometr|geojson|wkt|wkb|parse error|ring|srid/i.test(e.message ?? '')) {
    return "The row's geometry is invalid.";
  }
  return null;
}

interface PgErrorFields {
  code?: string;
  constraint?: string;
  column?: string;
  message?: string;
}

/** The SQLSTATE of a database error ('' for anything else). */
export function sqlStateOf(error: unknown): string {
  return driverErrorOf(error).code ?? '';
}

function driverErrorOf(error: unknown): PgErrorFields {
  const outer = (error ?? {}) as PgErrorFields & { driverError?: PgErrorFields };
  return outer.driverError ?? outer;
}

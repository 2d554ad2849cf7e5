import { DatabaseFailure, DependencyFailure } from './failure-policy.js';

/**
 * Outages of the services Strata connects to (PostgreSQL, Redis, the object store), recognised from
 * what their client libraries throw: an errno, a PostgreSQL SQLSTATE, or a driver's message. Shared by
 * the worker's failure classifier (which retries such a job) and the gateway's problem filter (which
 * answers 503 instead of 500), so both read an outage the same way.
 */
export type OutageCode = DatabaseFailure.Unavailable | DependencyFailure.Unavailable | DependencyFailure.TimedOut;

export const DISK_FULL_ERRNO: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);
export const UNREACHABLE_ERRNO: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  // Every host a process talks to is configured; a name that does not resolve is a DNS or container blip.
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);
export const TIMEOUT_ERRNO: ReadonlySet<string> = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** SQLSTATEs of a lost or refused connection: class 08, too many connections, shutdown and restart. */
export const DATABASE_DOWN_SQLSTATE = /^(?:08[0-9A-Z]{3}|53300|57P0[1-3])$/;

/** libpq (also inside GDAL's PostgreSQL driver), node-postgres, pg-pool and TypeORM. */
export const DATABASE_DOWN =
  /PQconnectdb|could not connect to server|connection to server (?:at|on) .* failed|server closed the connection unexpectedly|terminating connection due to|no connection to the server|Connection terminated|timeout exceeded when trying to connect|the database system is (?:starting up|shutting down|in recovery mode)|too many clients already|remaining connection slots are reserved/i;
/**
 * TypeORM's errors for a query runner it released when the server ended its connection: the runner's own
 * calls throw the first, calls through its EntityManager the second.
 */
const RELEASED_RUNNER_ERRORS: ReadonlySet<string> = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);
export const isReleasedRunnerError = (error: object): boolean =>
  RELEASED_RUNNER_ERRORS.has(String((error as { name?: unknown }).name));
/** ioredis. */
export const QUEUE_DOWN = /Connection is closed|max retries per request|Stream isn't writeable/i;

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** One level of an error (not its causes): the outage it reports, if any. */
function outageAt(error: object): OutageCode | undefined {
  if (isReleasedRunnerError(error)) return DatabaseFailure.Unavailable;
  // TypeORM keeps the driver's error (and its SQLSTATE) on `driverError`.
  const driverError = (error as { driverError?: unknown }).driverError;
  for (const code of [codeOf(driverError), codeOf(error)]) {
    if (code === undefined) continue;
    if (UNREACHABLE_ERRNO.has(code)) return DependencyFailure.Unavailable;
    if (TIMEOUT_ERRNO.has(code)) return DependencyFailure.TimedOut;
    if (DATABASE_DOWN_SQLSTATE.test(code)) return DatabaseFailure.Unavailable;
  }
  for (const at of [driverError, error]) {
    const message = at instanceof Error ? at.message : '';
    if (DATABASE_DOWN.test(message)) return DatabaseFailure.Unavailable;
    if (QUEUE_DOWN.test(message)) return DependencyFailure.Unavailable;
  }
  return undefined;
}

/**
 * The outage an error (or one of its first few causes, or the errors of an AggregateError, as a
 * connection attempt to several addresses throws) reports; undefined for anything else.
 */
export function outageOf(error: unknown): OutageCode | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const found = outageAt(current);
    if (found) return found;
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const code = typeof inner === 'object' && inner !== null ? outageAt(inner as object) : undefined;
        if (code) return code;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

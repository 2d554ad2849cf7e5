/**
 * Error codes the domain raises. Each maps to one HTTP status in the problem filter; the mapping is
 * exhaustive, so adding a code without a status does not compile.
 */
export enum ErrorCode {
  ValidationFailed = 'validation-failed',
  BadRequest = 'bad-request',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  Conflict = 'conflict',
  InvalidTransition = 'invalid-transition',
  PayloadTooLarge = 'payload-too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  Unprocessable = 'unprocessable',
  /** An outbound URL the SSRF guard refused (a private target, a credential in the URL, a bad scheme). */
  SsrfRefused = 'ssrf-refused',
  DependencyUnavailable = 'dependency-unavailable',
  UpstreamFailed = 'upstream-failed',
  Timeout = 'timeout',
  Internal = 'internal',
}

export const ERROR_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InvalidTransition]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Unprocessable]: 422,
  [ErrorCode.SsrfRefused]: 422,
  [ErrorCode.DependencyUnavailable]: 503,
  [ErrorCode.UpstreamFailed]: 502,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.Internal]: 500,
};

export const ERROR_TITLE: Record<ErrorCode, string> = {
  [ErrorCode.ValidationFailed]: 'Request validation failed',
  [ErrorCode.BadRequest]: 'Bad request',
  [ErrorCode.Unauthenticated]: 'Authentication required',
  [ErrorCode.Forbidden]: 'Forbidden',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.Conflict]: 'Conflict',
  [ErrorCode.InvalidTransition]: 'Invalid state transition',
  [ErrorCode.PayloadTooLarge]: 'Payload too large',
  [ErrorCode.UnsupportedMediaType]: 'Unsupported media type',
  [ErrorCode.Unprocessable]: 'Unprocessable content',
  [ErrorCode.SsrfRefused]: 'Outbound URL refused',
  [ErrorCode.DependencyUnavailable]: 'Service unavailable',
  [ErrorCode.UpstreamFailed]: 'Upstream service failed',
  [ErrorCode.Timeout]: 'Timed out',
  [ErrorCode.Internal]: 'Internal server error',
};

/** The `type` URI of a problem document for a code. */
export function problemType(code: ErrorCode): string {
  return `https://strata.dev/problems/${code}`;
}

/**
 * Base of every error the domain raises on purpose. `message` must be safe to show a user: no paths,
 * hosts, SQL or credentials. `extensions` become extra members of the problem document.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string) {
    super(ErrorCode.NotFound, id ? `${what} ${id} was not found.` : `${what} was not found.`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.Conflict, message, extensions);
  }
}

export class UnprocessableError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.Unprocessable, message, extensions);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.Forbidden, message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid bearer token is required.') {
    super(ErrorCode.Unauthenticated, message);
  }
}

import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ERROR_STATUS, ERROR_TITLE, ErrorCode, problemType } from './domain-error.js';
import { FAILURE_POLICY, failureCodeOf, failureMessage } from './failure-policy.js';
import { outageOf } from './outage.js';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument } from './problem.js';
import { RequestValidationException } from './validation.js';
import { describeError } from './safe-error.js';

const STATUS_CODE: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.BadRequest,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.Unprocessable,
  502: ErrorCode.UpstreamFailed,
  503: ErrorCode.DependencyUnavailable,
  504: ErrorCode.Timeout,
};

/** Messages for errors raised by Express's body parsers (http-errors with `expose: true`). */
const BODY_PARSER_DETAIL: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body encoding is not supported.',
  'charset.unsupported': 'The request body charset is not supported.',
  'request.aborted': 'The request was aborted by the client.',
};

interface HttpErrorLike {
  status: number;
  expose?: boolean;
  type?: string;
}

function isExposedHttpError(e: unknown): e is HttpErrorLike {
  if (typeof e !== 'object' || e === null) return false;
  const candidate = e as Partial<HttpErrorLike>;
  return (
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    candidate.expose === true
  );
}

/** Turns any thrown value into an RFC 9457 problem document. Unknown errors never leak their message. */
export function toProblem(
  exception: unknown,
  requestId: string | undefined,
): { problem: ProblemDocument; unexpected: boolean } {
  const base = (code: ErrorCode, status: number, detail: string): ProblemDocument => ({
    type: problemType(code),
    title: ERROR_TITLE[code],
    status,
    detail,
    ...(requestId ? { request_id: requestId } : {}),
  });

  if (exception instanceof DomainError) {
    return {
      problem: { ...exception.extensions, ...base(exception.code, exception.status, exception.message) },
      unexpected: exception.code === ErrorCode.Internal,
    };
  }
  // Errors that carry a failure code (storage's) answer as FAILURE_POLICY says, even where no service mapped them;
  // so do a database or queue connection that is down (503, never 500: the request may simply be retried).
  const failure = failureCodeOf(exception) ?? outageOf(exception);
  const surfaced = failure ? FAILURE_POLICY[failure].http : null;
  if (failure && surfaced && exception instanceof Error) {
    const status = ERROR_STATUS[surfaced];
    return {
      problem: base(surfaced, status, failureMessage(failure, undefined, exception.message)),
      unexpected: status >= 500,
    };
  }
  if (exception instanceof RequestValidationException) {
    return {
      problem: {
        ...base(ErrorCode.ValidationFailed, 400, 'The request is not valid; see errors.'),
        errors: exception.issues,
      },
      unexpected: false,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_CODE[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
    const response = exception.getResponse();
    // Express parser errors arrive wrapped by Nest; their raw messages describe parser internals.
    const parserDetail = causeDetail(exception.cause);
    const problem = base(code, status, parserDetail ?? httpDetail(response, exception.message, status));
    if (status === 503 && typeof response === 'object' && response !== null && 'details' in response) {
      // Terminus health-check failures: say which dependency is down (names and up/down only).
      problem.checks = summariseChecks((response as { details: Record<string, { status?: string }> }).details);
    }
    return { problem, unexpected: status >= 500 && status !== 503 };
  }
  if (isExposedHttpError(exception)) {
    const code = STATUS_CODE[exception.status] ?? ErrorCode.BadRequest;
    const detail = (exception.type && BODY_PARSER_DETAIL[exception.type]) ?? ERROR_TITLE[code];
    return { problem: base(code, exception.status, detail), unexpected: false };
  }
  return {
    problem: base(
      ErrorCode.Internal,
      HttpStatus.INTERNAL_SERVER_ERROR,
      'An unexpected error occurred. Quote the request_id when reporting it.',
    ),
    unexpected: true,
  };
}

function causeDetail(cause: unknown): string | undefined {
  if (cause instanceof URIError) return 'The request path is not valid.';
  const type = (cause as { type?: unknown } | undefined)?.type;
  if (typeof type === 'string' && BODY_PARSER_DETAIL[type]) return BODY_PARSER_DETAIL[type];
  if (cause instanceof SyntaxError) return BODY_PARSER_DETAIL['entity.parse.failed'];
  return undefined;
}

function httpDetail(response: string | object, fallback: string, status: number): string {
  if (status >= 500 && status !== 503) return 'An unexpected error occurred.';
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ');
  if (status === 503) return 'A dependency is unavailable.';
  return fallback;
}

function summariseChecks(details: Record<string, { status?: string }>): Record<string, string> {
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k, v.status ?? 'unknown']));
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetailsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string | number }>();
    const res = ctx.getResponse<Response>();
    const requestId = req.id === undefined ? undefined : String(req.id);
    const { problem, unexpected } = toProblem(exception, requestId);
    if (unexpected) {
      this.logger.error({ err: describeError(exception), request_id: requestId }, 'Unhandled error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

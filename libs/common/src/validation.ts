import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import type { ValidationIssue } from './problem.js';

/** Thrown by the global ValidationPipe; carries structured issues for the problem filter. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly issues: ValidationIssue[]) {
    super('The request is not valid.');
  }
}

export function flattenValidationErrors(
  errors: ValidationError[],
  prefix: (string | number)[] = [],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const key = /^\d+$/.test(error.property) ? Number(error.property) : error.property;
    const loc = [...prefix, key];
    for (const [type, msg] of Object.entries(error.constraints ?? {})) {
      issues.push({ loc, msg, type: type === 'whitelistValidation' ? 'unknown_field' : type });
    }
    if (error.children && error.children.length > 0) {
      issues.push(...flattenValidationErrors(error.children, loc));
    }
  }
  return issues;
}

/**
 * Global pipe: unknown fields are an error (never silently dropped) and payloads are transformed into
 * their DTO classes. Each issue's `loc` starts with where the value came from: body, query or path.
 */
export class ProblemValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new RequestValidationException(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof RequestValidationException) {
        const source = metadata.type === 'param' ? 'path' : metadata.type;
        const where = metadata.type === 'param' && metadata.data ? [source, metadata.data] : [source];
        throw new RequestValidationException(error.issues.map((i) => ({ ...i, loc: [...where, ...i.loc] })));
      }
      throw error;
    }
  }
}

/** A UUID in its canonical text form (any case): what the API's ids are. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_TITLE, ErrorCode, PROBLEM_CONTENT_TYPE, problemType } from '@app/common';

export class ValidationIssueSchema {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    example: ['body', 'title'],
  })
  loc!: (string | number)[];

  @ApiProperty({ example: 'title must be a string' })
  msg!: string;

  @ApiProperty({ example: 'isString' })
  type!: string;
}

/** RFC 9457 problem document, as every error response carries it. */
export class ProblemSchema {
  @ApiProperty({ example: problemType(ErrorCode.NotFound) })
  type!: string;

  @ApiProperty({ example: ERROR_TITLE[ErrorCode.NotFound] })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiProperty({ example: 'Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.' })
  detail!: string;

  @ApiPropertyOptional({ example: '6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a' })
  request_id?: string;

  @ApiPropertyOptional({ type: [ValidationIssueSchema] })
  errors?: ValidationIssueSchema[];
}

const DEFAULT_DETAIL: Partial<Record<number, { code: ErrorCode; detail: string; description: string }>> = {
  400: {
    code: ErrorCode.ValidationFailed,
    detail: 'The request is not valid; see errors.',
    description: 'Invalid request',
  },
  401: {
    code: ErrorCode.Unauthenticated,
    detail: 'A valid bearer token is required.',
    description: 'Missing, unknown, expired or revoked token',
  },
  403: {
    code: ErrorCode.Forbidden,
    detail: "This token lacks the 'upload' capability.",
    description: 'The token lacks a required capability',
  },
  404: {
    code: ErrorCode.NotFound,
    detail: 'Job 0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e was not found.',
    description: 'Not found, or owned by someone else',
  },
  409: {
    code: ErrorCode.InvalidTransition,
    detail: "Job is 'completed'; it cannot be cancelled.",
    description: 'The resource is not in a state that allows this',
  },
  413: { code: ErrorCode.PayloadTooLarge, detail: 'The file exceeds the 2 GiB limit.', description: 'Too large' },
  415: {
    code: ErrorCode.UnsupportedMediaType,
    detail: 'The file content does not match its extension.',
    description: 'Unsupported media type',
  },
  422: {
    code: ErrorCode.Unprocessable,
    detail: 'The request cannot be processed.',
    description: 'Semantically invalid',
  },
  503: {
    code: ErrorCode.DependencyUnavailable,
    detail: 'A dependency is unavailable.',
    description: 'A dependency is down',
  },
  504: { code: ErrorCode.Timeout, detail: 'The worker did not answer in time.', description: 'Timed out' },
};

/**
 * Documents error responses as problem+json with an example each. Routes list the statuses they can
 * produce beyond the 401 and 500 every authenticated route has.
 */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  const decorators = [...new Set([...statuses, 500])]
    .sort((a, b) => a - b)
    .map((status) => {
      const known = DEFAULT_DETAIL[status];
      const code = known?.code ?? ErrorCode.Internal;
      return ApiResponse({
        status,
        description: known?.description ?? 'Unexpected error (logged with the request_id)',
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(ProblemSchema) },
            example: {
              type: problemType(code),
              title: ERROR_TITLE[code],
              status,
              detail: known?.detail ?? 'An unexpected error occurred. Quote the request_id when reporting it.',
              request_id: '6c0e2a64-1b0d-4f55-9a5e-7d8f1e2c3b4a',
              ...(status === 400
                ? { errors: [{ loc: ['body', 'title'], msg: 'title must be a string', type: 'isString' }] }
                : {}),
            },
          },
        },
      });
    });
  return applyDecorators(ApiExtraModels(ProblemSchema, ValidationIssueSchema), ...decorators);
}

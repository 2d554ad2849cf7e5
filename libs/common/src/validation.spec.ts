import 'reflect-metadata';
import { BadRequestException, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from './problem.js';
import { ProblemValidationPipe, RequestValidationException, flattenValidationErrors } from './validation.js';

class LayerDto {
  @IsString()
  name!: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  srid!: number;
}

class CreateDatasetDto {
  @IsString()
  title!: string;

  @ValidateNested({ each: true })
  @Type(() => LayerDto)
  layers!: LayerDto[];
}

class PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  per_page: number = 50;
}

class DatasetPathDto {
  @IsUUID()
  id!: string;
}

/** Runs the pipe expecting a validation failure and returns its issues. */
async function issuesOf(value: unknown, metadata: ArgumentMetadata): Promise<ValidationIssue[]> {
  try {
    await new ProblemValidationPipe().transform(value, metadata);
  } catch (error) {
    if (error instanceof RequestValidationException) return error.issues;
    throw error;
  }
  throw new Error('the pipe accepted an invalid value');
}

describe('flattenValidationErrors', () => {
  it('turns nested children into loc paths with numeric indexes', () => {
    const errors: ValidationError[] = [
      { property: 'title', constraints: { isString: 'title must be a string' }, children: [] },
      {
        property: 'layers',
        children: [
          {
            property: '2',
            children: [
              {
                property: 'srid',
                constraints: { isInt: 'srid must be an integer', min: 'srid must not be less than 0' },
                children: [],
              },
            ],
          },
        ],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { loc: ['title'], msg: 'title must be a string', type: 'isString' },
      { loc: ['layers', 2, 'srid'], msg: 'srid must be an integer', type: 'isInt' },
      { loc: ['layers', 2, 'srid'], msg: 'srid must not be less than 0', type: 'min' },
    ]);
  });

  it("reports a non-whitelisted property as 'unknown_field'", () => {
    const errors: ValidationError[] = [
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' }, children: [] },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { loc: ['extra'], msg: 'property extra should not exist', type: 'unknown_field' },
    ]);
  });

  it('prepends a given prefix and keeps non-numeric keys as strings', () => {
    const errors: ValidationError[] = [{ property: '1a', constraints: { isString: 'bad' }, children: [] }];
    expect(flattenValidationErrors(errors, ['body'])).toEqual([{ loc: ['body', '1a'], msg: 'bad', type: 'isString' }]);
  });

  it('returns nothing for no errors, and nothing for an error without constraints or children', () => {
    expect(flattenValidationErrors([])).toEqual([]);
    expect(flattenValidationErrors([{ property: 'x' }])).toEqual([]);
  });
});

describe('ProblemValidationPipe', () => {
  it('prefixes body issues with "body", down to nested array items', async () => {
    const issues = await issuesOf(
      {
        title: 7,
        layers: [
          { name: 'roads', srid: 4326 },
          { name: 'rivers', srid: -1 },
        ],
      },
      { type: 'body', metatype: CreateDatasetDto },
    );
    expect(issues).toEqual([
      { loc: ['body', 'title'], msg: 'title must be a string', type: 'isString' },
      { loc: ['body', 'layers', 1, 'srid'], msg: 'srid must not be less than 0', type: 'min' },
    ]);
  });

  it('rejects unknown body fields instead of dropping them', async () => {
    const issues = await issuesOf(
      { title: 'ok', layers: [], owner: 'mallory' },
      { type: 'body', metatype: CreateDatasetDto },
    );
    expect(issues).toEqual([{ loc: ['body', 'owner'], msg: 'property owner should not exist', type: 'unknown_field' }]);
  });

  it('prefixes query issues with "query"', async () => {
    const issues = await issuesOf({ per_page: '500' }, { type: 'query', metatype: PageQueryDto });
    expect(issues).toEqual([{ loc: ['query', 'per_page'], msg: 'per_page must not be greater than 200', type: 'max' }]);
  });

  it('prefixes issues of a whole params object with "path"', async () => {
    const issues = await issuesOf({ id: 'not-a-uuid' }, { type: 'param', metatype: DatasetPathDto });
    expect(issues).toEqual([{ loc: ['path', 'id'], msg: 'id must be a UUID', type: 'isUuid' }]);
  });

  it('prefixes issues of a named param with "path" and the param name', async () => {
    const issues = await issuesOf({ id: 'not-a-uuid' }, { type: 'param', data: 'dataset', metatype: DatasetPathDto });
    expect(issues).toEqual([{ loc: ['path', 'dataset', 'id'], msg: 'id must be a UUID', type: 'isUuid' }]);
  });

  it('stops at the first failing constraint of a property', async () => {
    const issues = await issuesOf({ per_page: 'abc' }, { type: 'query', metatype: PageQueryDto });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.loc).toEqual(['query', 'per_page']);
  });

  it('throws a RequestValidationException, which is a 400', async () => {
    const pipe = new ProblemValidationPipe();
    const result = pipe.transform({ per_page: '0' }, { type: 'query', metatype: PageQueryDto });
    await expect(result).rejects.toBeInstanceOf(RequestValidationException);
    await expect(result).rejects.toBeInstanceOf(BadRequestException);
  });

  it('returns a transformed DTO instance for a valid value', async () => {
    const value = await new ProblemValidationPipe().transform(
      { per_page: '20' },
      { type: 'query', metatype: PageQueryDto },
    );
    expect(value).toBeInstanceOf(PageQueryDto);
    expect(value).toEqual({ per_page: 20 });
  });

  it('applies DTO defaults to a missing query', async () => {
    const value = await new ProblemValidationPipe().transform({}, { type: 'query', metatype: PageQueryDto });
    expect(value).toEqual({ per_page: 50 });
  });
});

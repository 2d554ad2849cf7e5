import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '@app/common';
import { InvalidJobDocumentError, JobStep, isProgressStep } from './job-kind.js';

describe('isProgressStep', () => {
  it.each(Object.values(JobStep))('accepts the step %j', (step) => {
    expect(isProgressStep(step)).toBe(true);
  });

  it.each(['step-2-of-5', 'step-1-of-1', 'step-10-of-100', 'step-0-of-0'])(
    'accepts the numbered diagnostics step %j',
    (step) => {
      expect(isProgressStep(step)).toBe(true);
    },
  );

  it.each([
    'zombie',
    '',
    'Queued',
    ' queued',
    'queued ',
    'fanning-out',
    'step-2-of-',
    'step--of-5',
    'step-x-of-5',
    'step-2-of-5 ',
    'Step-2-of-5',
    'step-2-of-5-of-6',
    'step-2.5-of-5',
    'step-2-of-5\nqueued',
  ])('refuses the string %j', (value) => {
    expect(isProgressStep(value)).toBe(false);
  });

  it.each([null, undefined, 3, true, {}, ['queued'], { toString: () => 'queued' }])(
    'refuses the non-string %j',
    (value) => {
      expect(isProgressStep(value)).toBe(false);
    },
  );
});

describe('InvalidJobDocumentError', () => {
  it('is an internal (500) domain error naming the document and the problem', () => {
    const error = new InvalidJobDocumentError('job source', 'key must be a non-empty string');
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe(ErrorCode.Internal);
    expect(error.status).toBe(500);
    expect(error.message).toBe('Invalid stored job source: key must be a non-empty string.');
  });
});

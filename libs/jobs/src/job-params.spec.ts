import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { CommitRequest } from './commit-options.js';
import { InvalidJobDocumentError, JobKind } from './job-kind.js';
import { parseCommitRequest, parseJobParams, type JobParams } from './job-params.js';

/** The message of the error `run` throws; fails unless it is an InvalidJobDocumentError. */
function refusal(run: () => unknown): string {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidJobDocumentError);
  return (caught as Error).message;
}

const FULL_COMMIT: Required<CommitRequest> = {
  title: 'Roads',
  summary: null,
  srid_override: 25832,
  x_column: 'lon',
  y_column: 'lat',
  geom_column: null,
  compression: 'ZSTD',
  resampling: 'average',
  nodata_override: -9999.5,
  strict_cog: true,
};

describe('parseJobParams', () => {
  describe('accepts each kind', () => {
    it.each<[string, JobParams]>([
      ['an uncommitted file dataset', { kind: JobKind.FileDataset, commit: null }],
      ['a committed file dataset', { kind: JobKind.FileDataset, commit: { title: 'Roads' } }],
      ['a file dataset with every commit field', { kind: JobKind.FileDataset, commit: FULL_COMMIT }],
      ['an empty commit', { kind: JobKind.FileDataset, commit: {} }],
      ['a service dataset', { kind: JobKind.ServiceDataset, commit: { title: 'Parcels', srid_override: null } }],
      ['diagnostics', { kind: JobKind.Diagnostics, steps: 3, step_ms: 200, fail_with: null }],
      ['diagnostics failing transiently', { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: 'transient' }],
      ['diagnostics failing permanently', { kind: JobKind.Diagnostics, steps: 0, step_ms: 5, fail_with: 'permanent' }],
    ])('%s', (_name, params) => {
      expect(parseJobParams(structuredClone(params))).toStrictEqual(params);
    });

    it('reads a missing commit or fail_with as null', () => {
      expect(parseJobParams({ kind: 'file-dataset' })).toStrictEqual({ kind: JobKind.FileDataset, commit: null });
      expect(parseJobParams({ kind: 'diagnostics', steps: 2, step_ms: 10 })).toStrictEqual({
        kind: JobKind.Diagnostics,
        steps: 2,
        step_ms: 10,
        fail_with: null,
      });
    });

    it('keeps absent commit fields absent and drops fields of other kinds', () => {
      // toStrictEqual also fails on keys present with an undefined value.
      expect(parseJobParams({ kind: 'file-dataset', commit: { title: 'T' }, steps: 4 })).toStrictEqual({
        kind: JobKind.FileDataset,
        commit: { title: 'T' },
      });
      expect(parseJobParams({ kind: 'diagnostics', steps: 1, step_ms: 1, fail_with: null, commit: {} })).toStrictEqual({
        kind: JobKind.Diagnostics,
        steps: 1,
        step_ms: 1,
        fail_with: null,
      });
    });
  });

  describe('refuses', () => {
    it.each<[string, unknown, string]>([
      ['null', null, 'not an object'],
      ['an array', [], 'not an object'],
      ['a string', 'diagnostics', 'not an object'],
      ['a missing kind', { commit: null }, "kind 'undefined' has no parameters"],
      ['an unknown kind', { kind: 'tile-cache', commit: null }, "kind 'tile-cache' has no parameters"],
      [
        'a kind in the wrong case',
        { kind: 'Diagnostics', steps: 1, step_ms: 1 },
        "kind 'Diagnostics' has no parameters",
      ],
      [
        'an import run with a format that is not text',
        { kind: JobKind.ImportRun, format: 5 },
        'format must be a string',
      ],
      ['a VRT build without its fields', { kind: JobKind.Vrt }, 'action is unknown'],
      [
        'a VRT build of an unknown type',
        {
          kind: JobKind.Vrt,
          action: 'add',
          vrt_dataset_id: 'v',
          generation: 2,
          vrt_type: 'pyramid',
          resolution_strategy: 'finest',
        },
        'vrt_type is unknown',
      ],
      [
        'a VRT build of generation 0',
        { kind: JobKind.Vrt, action: 'add', vrt_dataset_id: 'v', generation: 0 },
        'generation must be a positive integer',
      ],
    ])('%s', (_name, value, problem) => {
      expect(refusal(() => parseJobParams(value))).toBe(`Invalid stored job parameters: ${problem}.`);
    });

    const diagnostics = (fields: Record<string, unknown>): unknown => ({
      kind: 'diagnostics',
      steps: 3,
      step_ms: 200,
      fail_with: null,
      ...fields,
    });

    it.each<[string, unknown, string]>([
      ['missing steps', diagnostics({ steps: undefined }), 'steps must be a non-negative integer'],
      ['null steps', diagnostics({ steps: null }), 'steps must be a non-negative integer'],
      ['string steps', diagnostics({ steps: '5' }), 'steps must be a non-negative integer'],
      ['fractional steps', diagnostics({ steps: 2.5 }), 'steps must be a non-negative integer'],
      ['NaN steps', diagnostics({ steps: Number.NaN }), 'steps must be a non-negative integer'],
      ['negative steps', diagnostics({ steps: -1 }), 'steps must be a non-negative integer'],
      ['steps beyond 2^53', diagnostics({ steps: 2 ** 53 }), 'steps must be a non-negative integer'],
      ['string step_ms', diagnostics({ step_ms: '50' }), 'step_ms must be a non-negative integer'],
      ['fractional step_ms', diagnostics({ step_ms: 12.5 }), 'step_ms must be a non-negative integer'],
      ['missing step_ms', diagnostics({ step_ms: undefined }), 'step_ms must be a non-negative integer'],
      ['fail_with in the wrong case', diagnostics({ fail_with: 'Transient' }), 'fail_with is unknown'],
      ['an unknown fail_with', diagnostics({ fail_with: 'sometimes' }), 'fail_with is unknown'],
      ['an empty fail_with', diagnostics({ fail_with: '' }), 'fail_with is unknown'],
      ['a boolean fail_with', diagnostics({ fail_with: true }), 'fail_with is unknown'],
    ])('diagnostics with %s', (_name, value, problem) => {
      expect(refusal(() => parseJobParams(value))).toBe(`Invalid stored job parameters: ${problem}.`);
    });

    const committed = (commit: unknown): unknown => ({ kind: 'file-dataset', commit });

    it.each<[string, unknown, string]>([
      ['a commit that is a string', committed('Roads'), 'commit is not an object'],
      ['a commit that is an array', committed([{ title: 'Roads' }]), 'commit is not an object'],
      [
        'an unknown commit field',
        committed({ title: 'Roads', layer_name: 'roads' }),
        'commit has unknown fields: layer_name',
      ],
      ['several unknown commit fields', committed({ a: 1, title: 'x', b: 2 }), 'commit has unknown fields: a, b'],
      ['a numeric title', committed({ title: 7 }), 'commit.title has the wrong type'],
      ['a null title', committed({ title: null }), 'commit.title has the wrong type'],
      ['a numeric summary', committed({ summary: 1 }), 'commit.summary has the wrong type'],
      ['a string srid', committed({ srid_override: '4326' }), 'commit.srid_override has the wrong type'],
      ['a fractional srid', committed({ srid_override: 4326.5 }), 'commit.srid_override has the wrong type'],
      ['a numeric column', committed({ x_column: 1 }), 'commit.x_column has the wrong type'],
      ['an unknown compression', committed({ compression: 'JPEG' }), 'commit.compression has the wrong type'],
      ['a lower-case compression', committed({ compression: 'deflate' }), 'commit.compression has the wrong type'],
      ['an unknown resampling', committed({ resampling: 'lanczos' }), 'commit.resampling has the wrong type'],
      ['a NaN nodata', committed({ nodata_override: Number.NaN }), 'commit.nodata_override has the wrong type'],
      ['an infinite nodata', committed({ nodata_override: Infinity }), 'commit.nodata_override has the wrong type'],
      ['a string nodata', committed({ nodata_override: '-9999' }), 'commit.nodata_override has the wrong type'],
      ['a string strict_cog', committed({ strict_cog: 'yes' }), 'commit.strict_cog has the wrong type'],
      ['a null strict_cog', committed({ strict_cog: null }), 'commit.strict_cog has the wrong type'],
    ])('a dataset with %s', (_name, value, problem) => {
      expect(refusal(() => parseJobParams(value))).toBe(`Invalid stored job parameters: ${problem}.`);
    });
  });
});

describe('parseCommitRequest', () => {
  it('returns a request equal to the one stored, with absent fields absent', () => {
    expect(parseCommitRequest(structuredClone(FULL_COMMIT))).toStrictEqual(FULL_COMMIT);
    expect(parseCommitRequest({ summary: 'S', nodata_override: null })).toStrictEqual({
      summary: 'S',
      nodata_override: null,
    });
  });

  it('refuses what parseJobParams refuses in a commit', () => {
    expect(refusal(() => parseCommitRequest({ srid: 4326 }))).toBe(
      'Invalid stored job parameters: commit has unknown fields: srid.',
    );
    expect(refusal(() => parseCommitRequest(null))).toBe('Invalid stored job parameters: commit is not an object.');
  });
});

import { VRT_RESOLUTIONS, VRT_TYPES, type VrtResolution, type VrtType } from '@app/contracts';
import { COG_COMPRESSIONS, COG_RESAMPLINGS, COMMIT_OPTION_FIELDS, type CommitRequest } from './commit-options.js';
import { InvalidJobDocumentError, JobKind } from './job-kind.js';

/** A job that turns a source into one dataset: what its commit asked for (null until committed). */
export interface DatasetJobParams {
  kind: JobKind.FileDataset | JobKind.ServiceDataset;
  commit: CommitRequest | null;
}

export interface DiagnosticsJobParams {
  kind: JobKind.Diagnostics;
  steps: number;
  step_ms: number;
  /** Make one step fail: `transient` fails until the last attempt, `permanent` fails at once. */
  fail_with: 'transient' | 'permanent' | null;
}

export const VRT_ACTIONS = ['create', 'add', 'remove', 'regenerate'] as const;
export type VrtAction = (typeof VRT_ACTIONS)[number];

/**
 * A VRT generation to build. The staged member list is the job's source (`datasets`, in mosaic order);
 * the VRT's id is chosen when the job is created, so a creation can name its storage key up front.
 */
export interface VrtJobParams {
  kind: JobKind.Vrt;
  action: VrtAction;
  vrt_dataset_id: string;
  generation: number;
  vrt_type: VrtType;
  resolution_strategy: VrtResolution;
  /** The new dataset's title and summary (creation only). */
  title: string | null;
  summary: string | null;
}

/**
 * An importer run. The importer is the job's `importer` column and the dry-run flag its `dry_run` column;
 * `format` is the source format decided when the run was created (upload sniffing, or the importer's
 * only format), null when the worker decides it from the fetched bytes.
 */
export interface ImportRunJobParams {
  kind: JobKind.ImportRun;
  format: string | null;
}

/** Per-kind parameters of a job: small, typed, never secrets. The `kind` tag equals the job's kind column. */
export type JobParams = DatasetJobParams | DiagnosticsJobParams | VrtJobParams | ImportRunJobParams;

export type ParamsOf<K extends JobParams['kind']> = Extract<JobParams, { kind: K }>;

type Raw = Record<string, unknown>;

const fail = (problem: string): never => {
  throw new InvalidJobDocumentError('job parameters', problem);
};
const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

function optional<T>(raw: Raw, key: keyof CommitRequest, check: (v: unknown) => v is T): T | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  return check(value) ? value : fail(`commit.${key} has the wrong type`);
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isNullableNumber = (v: unknown): v is number | null =>
  v === null || (typeof v === 'number' && Number.isFinite(v));
const isNullableInteger = (v: unknown): v is number | null => v === null || Number.isSafeInteger(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: unknown): v is T =>
    list.some((item) => item === v);

const COMMIT_KEYS = new Set<string>(COMMIT_OPTION_FIELDS);

export function parseCommitRequest(value: unknown): CommitRequest {
  if (!isRecord(value)) return fail('commit is not an object');
  const unknown = Object.keys(value).filter((key) => !COMMIT_KEYS.has(key));
  if (unknown.length > 0) fail(`commit has unknown fields: ${unknown.join(', ')}`);
  const fields: CommitRequest = {
    title: optional(value, 'title', isString),
    summary: optional(value, 'summary', isNullableString),
    srid_override: optional(value, 'srid_override', isNullableInteger),
    x_column: optional(value, 'x_column', isNullableString),
    y_column: optional(value, 'y_column', isNullableString),
    geom_column: optional(value, 'geom_column', isNullableString),
    compression: optional(value, 'compression', oneOf(COG_COMPRESSIONS)),
    resampling: optional(value, 'resampling', oneOf(COG_RESAMPLINGS)),
    nodata_override: optional(value, 'nodata_override', isNullableNumber),
    strict_cog: optional(value, 'strict_cog', isBoolean),
  };
  // Absent stays absent (JSON drops undefined anyway); the object compares equal to what was stored.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as CommitRequest;
}

const FAIL_WITH = ['transient', 'permanent'] as const;

/** Reads a stored parameters document, refusing anything that is not exactly one kind's parameters. */
export function parseJobParams(value: unknown): JobParams {
  if (!isRecord(value)) return fail('not an object');
  switch (value.kind) {
    case JobKind.FileDataset:
    case JobKind.ServiceDataset:
      return {
        kind: value.kind,
        commit: value.commit === null || value.commit === undefined ? null : parseCommitRequest(value.commit),
      };
    case JobKind.Diagnostics: {
      const count = (key: string): number => {
        const v = value[key];
        return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
          ? v
          : fail(`${key} must be a non-negative integer`);
      };
      const failWith = value.fail_with ?? null;
      return {
        kind: JobKind.Diagnostics,
        steps: count('steps'),
        step_ms: count('step_ms'),
        fail_with: failWith === null ? null : (FAIL_WITH.find((f) => f === failWith) ?? fail('fail_with is unknown')),
      };
    }
    case JobKind.Vrt: {
      const text = (key: string): string | null => {
        const v = value[key];
        return v === null || v === undefined ? null : typeof v === 'string' ? v : fail(`${key} must be a string`);
      };
      const generation = value.generation;
      return {
        kind: JobKind.Vrt,
        action: oneOf(VRT_ACTIONS)(value.action) ? value.action : fail('action is unknown'),
        vrt_dataset_id: text('vrt_dataset_id') ?? fail('vrt_dataset_id is required'),
        generation:
          typeof generation === 'number' && Number.isSafeInteger(generation) && generation > 0
            ? generation
            : fail('generation must be a positive integer'),
        vrt_type: oneOf(VRT_TYPES)(value.vrt_type) ? value.vrt_type : fail('vrt_type is unknown'),
        resolution_strategy: oneOf(VRT_RESOLUTIONS)(value.resolution_strategy)
          ? value.resolution_strategy
          : fail('resolution_strategy is unknown'),
        title: text('title'),
        summary: text('summary'),
      };
    }
    case JobKind.ImportRun: {
      const format = value.format ?? null;
      if (format !== null && typeof format !== 'string') fail('format must be a string');
      return { kind: JobKind.ImportRun, format: format as string | null };
    }
    default:
      return fail(`kind '${String(value.kind)}' has no parameters`);
  }
}

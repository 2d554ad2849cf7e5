import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { ContentKind } from '../commit-options.js';
import { JobKind, isProgressStep, type ProgressStep } from '../job-kind.js';
import { parseJobParams, type JobParams } from '../job-params.js';
import { parseJobSource, type JobSource } from '../job-source.js';
import { JobStatus } from '../job-status.js';
import { Dataset } from './dataset.entity.js';
import { bigintAsNumber, validatedJson } from './transformers.js';

export interface JobWarning {
  code: string;
  message: string;
}

export interface JobErrorInfo {
  code: string;
  message: string;
}

const list = (values: string[]): string => values.map((s) => `'${s}'`).join(', ');
const STATUS_LIST = list(Object.values(JobStatus));
const KIND_LIST = list(Object.values(JobKind));

@Entity('ingest_jobs')
@Check('ck_ingest_jobs_status', `"status" IN (${STATUS_LIST})`)
@Check('ck_ingest_jobs_progress', '"progress" >= 0 AND "progress" <= 1')
@Check('ck_ingest_jobs_kind', `"kind" IN (${KIND_LIST})`)
@Check('ck_ingest_jobs_params_kind', `"params"->>'kind' IS NOT DISTINCT FROM "kind"`)
@Check('ck_ingest_jobs_content_kind', `"content_kind" IN ('vector', 'raster')`)
@Index('ix_ingest_jobs_owner_created', ['owner', 'createdAt'])
// Pages of one owner's jobs of one kind, newest first (the runs list); see migration ImportRunCounts.
@Index('ix_ingest_jobs_owner_kind_created', ['owner', 'kind', 'createdAt', 'id'])
@Index('ix_ingest_jobs_status_queued', ['status', 'queuedAt'])
export class IngestJob {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: JobKind;

  @Column({ type: 'varchar', length: 32, default: JobStatus.Pending })
  status!: JobStatus;

  /** What the job is doing now: queued, reading, loading, indexing, finalizing… */
  @Column({
    type: 'varchar',
    length: 64,
    nullable: true,
    transformer: {
      to: (value: ProgressStep | null | undefined) => value,
      from: (value: string | null) => (isProgressStep(value) ? value : null),
    },
  })
  step!: ProgressStep | null;

  @Column({ type: 'double precision', default: 0 })
  progress!: number;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rowsTotal!: number | null;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsProcessed!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsFailed!: number;

  /** Importer runs: rows that created, updated or left (skipped) a target record. */
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsCreated!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsUpdated!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsSkipped!: number;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  warnings!: JobWarning[];

  @Column({ type: 'jsonb', nullable: true })
  error!: JobErrorInfo | null;

  /** Fences terminal writes: only the delivery that holds the current token may finish the job. */
  @Column({ type: 'uuid', nullable: true })
  attemptToken!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Index('ix_ingest_jobs_parent')
  @Column({ type: 'uuid', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => IngestJob, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_id' })
  parent?: Relation<IngestJob> | null;

  /** Importer slug; file → dataset jobs run the built-in `dataset` importer. */
  @Column({ type: 'varchar', length: 64, default: 'dataset' })
  importer!: string;

  @Column({ type: 'boolean', default: false })
  dryRun!: boolean;

  /** Where the job reads from: a stored file, a remote service layer, datasets… Never shown to clients. */
  @Column({ type: 'jsonb', transformer: validatedJson(parseJobSource) })
  source!: JobSource;

  /** The name users know the source by (an uploaded file's name, a service layer's title). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  sourceFilename!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  layerName!: string | null;

  /** Every layer the preview found; fan-out and commit validate against it. */
  @Column({ type: 'jsonb', nullable: true })
  allLayers!: string[] | null;

  /** What a preview found the source to hold; null until previewed. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  contentKind!: ContentKind | null;

  /** Small per-kind parameters (commit options, diagnostics settings…), tagged with the job's kind. */
  @Column({ type: 'jsonb', transformer: validatedJson(parseJobParams) })
  params!: JobParams;

  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'uuid', nullable: true })
  datasetId!: string | null;

  @ManyToOne(() => Dataset, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'dataset_id' })
  dataset?: Relation<Dataset> | null;

  /** Request id of the call that created the job; travels into queue payloads and worker logs. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** End of the upload window for presigned uploads. */
  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}

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
import { JobStatus } from '../job-status.js';
import { Dataset } from './dataset.entity.js';
import { bigintAsNumber } from './transformers.js';

export interface JobWarning {
  code: string;
  message: string;
}

export interface JobErrorInfo {
  code: string;
  message: string;
}

const STATUS_LIST = Object.values(JobStatus)
  .map((s) => `'${s}'`)
  .join(', ');

@Entity('ingest_jobs')
@Check('ck_ingest_jobs_status', `"status" IN (${STATUS_LIST})`)
@Check('ck_ingest_jobs_progress', '"progress" >= 0 AND "progress" <= 1')
@Index('ix_ingest_jobs_owner_created', ['owner', 'createdAt'])
@Index('ix_ingest_jobs_status_queued', ['status', 'queuedAt'])
export class IngestJob {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ type: 'varchar', length: 32, default: JobStatus.Pending })
  status!: JobStatus;

  /** What the job is doing now: queued, reading, loading, indexing, finalizing… */
  @Column({ type: 'varchar', length: 64, nullable: true })
  step!: string | null;

  @Column({ type: 'double precision', default: 0 })
  progress!: number;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rowsTotal!: number | null;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsProcessed!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rowsFailed!: number;

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

  @Column({ type: 'varchar', length: 32, nullable: true })
  sourceType!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  sourceFilename!: string | null;

  /** Storage key of the staged source bytes. Never shown to clients. */
  @Column({ type: 'text', nullable: true })
  sourceKey!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sourceSize!: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  layerName!: string | null;

  /** Every layer the preview found; fan-out and commit validate against it. */
  @Column({ type: 'jsonb', nullable: true })
  allLayers!: string[] | null;

  /** Small per-kind parameters (commit options, remote-service descriptor without secrets…). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  options!: Record<string, unknown>;

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

import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { IngestJob } from './ingest-job.entity.js';

export enum RowStatus {
  Succeeded = 'succeeded',
  Failed = 'failed',
  Skipped = 'skipped',
}

/** A row failure (DESIGN §4): a user-safe message, plus field → messages for validation failures. */
export interface RowErrors {
  message: string;
  validation?: Record<string, string[]>;
}

/** One source row of an importer run. Failed rows are always kept; successful ones optionally. */
@Entity('ingest_rows')
@Unique('ux_ingest_rows_job_row', ['jobId', 'rowNumber'])
@Index('ix_ingest_rows_failed', ['jobId', 'rowNumber'], { where: `"status" = 'failed'` })
@Check('ck_ingest_rows_status', `"status" IN ('succeeded', 'failed', 'skipped')`)
export class IngestRow {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  jobId!: string;

  @ManyToOne(() => IngestJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: Relation<IngestJob>;

  /** 1-based row number in the original source; retries keep it. */
  @Column({ type: 'integer' })
  rowNumber!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: RowStatus;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  errors!: RowErrors | null;

  /** The row's geometry as read from its source (GeoJSON), for retries; null when it had none. */
  @Column({ type: 'text', nullable: true })
  sourceGeometry!: string | null;

  /** The EPSG code of that geometry's layer, when the source knew it. */
  @Column({ type: 'integer', nullable: true })
  sourceSrid!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

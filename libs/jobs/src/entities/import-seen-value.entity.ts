import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { IngestJob } from './ingest-job.entity.js';

/**
 * Values an importer run has seen in a `unique_in_file` column, as md5 digests: written in the chunk's
 * transaction, so later chunks and a resumed run see every earlier row's value without re-reading it.
 */
@Entity('import_seen_values')
export class ImportSeenValue {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_import_seen_values' })
  jobId!: string;

  @PrimaryColumn({ type: 'varchar', length: 63, primaryKeyConstraintName: 'pk_import_seen_values' })
  columnName!: string;

  /** md5 of the value's text form, stored as a uuid (16 bytes). */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_import_seen_values' })
  valueHash!: string;

  @ManyToOne(() => IngestJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_import_seen_values_job' })
  job?: Relation<IngestJob>;

  /** The first row that had the value. */
  @Column({ type: 'integer' })
  rowNumber!: number;
}

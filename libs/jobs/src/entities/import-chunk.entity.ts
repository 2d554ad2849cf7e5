import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { IngestJob } from './ingest-job.entity.js';

/**
 * The ledger of an importer run's committed chunks, written in the chunk's own transaction together with
 * its rows and counters: a resumed run skips every chunk listed here, so nothing is written twice.
 */
@Entity('import_chunks')
export class ImportChunk {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_import_chunks' })
  jobId!: string;

  /** 0-based position of the chunk in the run's source. */
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_import_chunks' })
  chunkIndex!: number;

  @ManyToOne(() => IngestJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_import_chunks_job' })
  job?: Relation<IngestJob>;

  @Column({ type: 'integer' })
  firstRow!: number;

  @Column({ type: 'integer' })
  lastRow!: number;

  @Column({ type: 'integer' })
  rows!: number;

  @Column({ type: 'integer', default: 0 })
  created!: number;

  @Column({ type: 'integer', default: 0 })
  updated!: number;

  @Column({ type: 'integer', default: 0 })
  skipped!: number;

  @Column({ type: 'integer', default: 0 })
  failed!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  committedAt!: Date;
}

import { Check, Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Dataset } from './dataset.entity.js';
import type { JobErrorInfo } from './ingest-job.entity.js';

export enum VrtGenerationStatus {
  Building = 'building',
  Published = 'published',
  Failed = 'failed',
}

/**
 * One immutable build of a VRT: the member list it was staged with and, once published, the key of its
 * document (`datasets/<id>/generations/<n>.vrt`, never overwritten after publishing).
 */
@Entity('vrt_generations')
@Check('ck_vrt_generations_status', `"status" IN ('building', 'published', 'failed')`)
export class VrtGeneration {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_vrt_generations' })
  vrtDatasetId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_vrt_generations' })
  generation!: number;

  @ManyToOne(() => Dataset, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'vrt_dataset_id', foreignKeyConstraintName: 'fk_vrt_generations_dataset' })
  vrt?: Relation<Dataset>;

  /** The job that builds it (a plain id: jobs may be purged while the history stays). */
  @Column({ type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: VrtGenerationStatus;

  /** The staged member list, in mosaic order. */
  @Column({ type: 'uuid', array: true })
  sourceIds!: string[];

  @Column({ type: 'text', nullable: true })
  storageKey!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  error!: JobErrorInfo | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}

import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn, type Relation } from 'typeorm';
import type { VrtResolution, VrtType } from '@app/contracts';
import { Dataset } from './dataset.entity.js';

/**
 * The mutable state of a VRT dataset. `version` is the compare-and-set token of every membership change:
 * a change is staged only by the request that moves it from the version it validated against, so two
 * concurrent changes cannot both pass. `pending_generation` is the staged generation being built.
 */
@Entity('vrt_mosaics')
@Check('ck_vrt_mosaics_type', `"vrt_type" IN ('mosaic', 'band_stack')`)
@Check('ck_vrt_mosaics_resolution', `"resolution_strategy" IN ('finest', 'coarsest', 'average')`)
export class VrtMosaic {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_vrt_mosaics' })
  datasetId!: string;

  @OneToOne(() => Dataset, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dataset_id', foreignKeyConstraintName: 'fk_vrt_mosaics_dataset' })
  dataset?: Relation<Dataset>;

  @Column({ type: 'varchar', length: 16 })
  vrtType!: VrtType;

  @Column({ type: 'varchar', length: 16 })
  resolutionStrategy!: VrtResolution;

  @Column({ type: 'integer', default: 0 })
  version!: number;

  /** The generation being served. */
  @Column({ type: 'integer' })
  generation!: number;

  /** The highest generation number handed out (failed and pending ones included). */
  @Column({ type: 'integer' })
  lastGeneration!: number;

  @Column({ type: 'integer', nullable: true })
  pendingGeneration!: number | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

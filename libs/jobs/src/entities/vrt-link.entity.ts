import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Dataset } from './dataset.entity.js';

/** Membership of a source dataset in a VRT mosaic, in mosaic order. */
@Entity('vrt_links')
@Index('ix_vrt_links_source', ['sourceDatasetId'])
export class VrtLink {
  @PrimaryColumn({ type: 'uuid' })
  vrtDatasetId!: string;

  @PrimaryColumn({ type: 'uuid' })
  sourceDatasetId!: string;

  @ManyToOne(() => Dataset, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'vrt_dataset_id' })
  vrt?: Relation<Dataset>;

  @ManyToOne(() => Dataset, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_dataset_id' })
  source?: Relation<Dataset>;

  @Column({ type: 'integer' })
  position!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

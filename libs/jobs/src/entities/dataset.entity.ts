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
import type { RasterInfo } from '@app/contracts';
import { IngestJob } from './ingest-job.entity.js';
import { bigintAsNumber } from './transformers.js';

export enum DatasetKind {
  Vector = 'vector',
  Raster = 'raster',
  Vrt = 'vrt',
  Table = 'table',
}

export interface DatasetColumn {
  name: string;
  type: string;
}

/** What a raster dataset records about its raster (defined with the GDAL-free contract). */
export type { RasterInfo };

@Entity('datasets')
@Check('ck_datasets_kind', `"kind" IN ('vector', 'raster', 'vrt', 'table')`)
@Index('ix_datasets_owner_created', ['owner', 'createdAt'])
export class Dataset {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: DatasetKind;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  summary!: string | null;

  /** Schema-qualified PostGIS table for vector and table datasets. */
  @Index('ux_datasets_table_name', { unique: true, where: '"table_name" IS NOT NULL' })
  @Column({ type: 'varchar', length: 130, nullable: true })
  tableName!: string | null;

  /** Immutable storage key for rasters and VRTs. */
  @Column({ type: 'text', nullable: true })
  storageKey!: string | null;

  @Column({ type: 'integer', nullable: true })
  crs!: number | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  geometryType!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  featureCount!: number | null;

  /** [minx, miny, maxx, maxy] in WGS84. */
  @Column({ type: 'double precision', array: true, nullable: true })
  extent!: number[] | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  columns!: DatasetColumn[];

  @Column({ type: 'jsonb', nullable: true })
  raster!: RasterInfo | null;

  /** One dataset per job at most: a repeated or raced publish cannot make a second one. */
  @Index('ux_datasets_source_job', { unique: true, where: '"source_job_id" IS NOT NULL' })
  @Column({ type: 'uuid', nullable: true })
  sourceJobId!: string | null;

  @ManyToOne(() => IngestJob, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'source_job_id' })
  sourceJob?: Relation<IngestJob> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

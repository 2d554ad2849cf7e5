import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** An opaque bearer token. Only its SHA-256 hash is stored; the token itself is shown once, at creation. */
@Entity('api_tokens')
@Index('ix_api_tokens_owner', ['owner'])
export class ApiToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  name!: string | null;

  @Index('ux_api_tokens_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  tokenHash!: string;

  /** The first characters of the token, to recognise it in listings. */
  @Column({ type: 'varchar', length: 16 })
  tokenPrefix!: string;

  @Column({ type: 'text', array: true })
  capabilities!: string[];

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

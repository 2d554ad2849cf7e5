import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A kept importer row's source geometry (GeoJSON text, and the EPSG code of its layer), so a retry of a
 * `geometry.from: source` importer imports the failed rows with their geometry.
 */
export class ImportRowGeometry1796610000000 implements MigrationInterface {
  name = 'ImportRowGeometry1796610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ingest_rows" ADD "source_geometry" text');
    await queryRunner.query('ALTER TABLE "ingest_rows" ADD "source_srid" integer');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ingest_rows" DROP COLUMN "source_srid"');
    await queryRunner.query('ALTER TABLE "ingest_rows" DROP COLUMN "source_geometry"');
  }
}

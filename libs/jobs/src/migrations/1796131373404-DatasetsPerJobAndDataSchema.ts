import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DatasetsPerJobAndDataSchema1796131373404 implements MigrationInterface {
  name = 'DatasetsPerJobAndDataSchema1796131373404';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Ingested tables live apart from the service's own tables (the name is DATA_SCHEMA in libs/jobs).
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "strata_data"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "ux_datasets_source_job" ON "datasets"  ("source_job_id") WHERE "source_job_id" IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ux_datasets_source_job"');
    // The data schema is left in place: dropping it would destroy every ingested dataset.
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Values seen in `unique_in_file` columns per importer run, so later chunks and resumed runs see them. */
export class ImportSeenValues1796600000100 implements MigrationInterface {
  name = 'ImportSeenValues1796600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "import_seen_values" ("job_id" uuid NOT NULL, "column_name" character varying(63) NOT NULL, "value_hash" uuid NOT NULL, "row_number" integer NOT NULL, CONSTRAINT "pk_import_seen_values" PRIMARY KEY ("job_id", "column_name", "value_hash"))',
    );
    await queryRunner.query(
      'ALTER TABLE "import_seen_values" ADD CONSTRAINT "fk_import_seen_values_job" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "import_seen_values" DROP CONSTRAINT "fk_import_seen_values_job"');
    await queryRunner.query('DROP TABLE "import_seen_values"');
  }
}

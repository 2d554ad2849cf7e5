import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Importer runs: per-outcome counters on the job, row errors in the §4 shape (`{message, validation?}`
 * or null), and the ledger of committed chunks that makes a resumed run idempotent.
 */
export class ImportRuns1796600000000 implements MigrationInterface {
  name = 'ImportRuns1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "rows_created" bigint NOT NULL DEFAULT \'0\'');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "rows_updated" bigint NOT NULL DEFAULT \'0\'');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "rows_skipped" bigint NOT NULL DEFAULT \'0\'');
    await queryRunner.query('ALTER TABLE "ingest_rows" ALTER COLUMN "errors" DROP NOT NULL');
    await queryRunner.query('ALTER TABLE "ingest_rows" ALTER COLUMN "errors" DROP DEFAULT');
    await queryRunner.query('UPDATE "ingest_rows" SET "errors" = NULL WHERE "errors" = \'[]\'::jsonb');
    await queryRunner.query(
      'CREATE INDEX "ix_ingest_rows_failed" ON "ingest_rows" ("job_id", "row_number") WHERE "status" = \'failed\'',
    );
    await queryRunner.query(
      'CREATE TABLE "import_chunks" ("job_id" uuid NOT NULL, "chunk_index" integer NOT NULL, "first_row" integer NOT NULL, "last_row" integer NOT NULL, "rows" integer NOT NULL, "created" integer NOT NULL DEFAULT \'0\', "updated" integer NOT NULL DEFAULT \'0\', "skipped" integer NOT NULL DEFAULT \'0\', "failed" integer NOT NULL DEFAULT \'0\', "committed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_import_chunks" PRIMARY KEY ("job_id", "chunk_index"))',
    );
    await queryRunner.query(
      'ALTER TABLE "import_chunks" ADD CONSTRAINT "fk_import_chunks_job" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "import_chunks" DROP CONSTRAINT "fk_import_chunks_job"');
    await queryRunner.query('DROP TABLE "import_chunks"');
    await queryRunner.query('DROP INDEX "ix_ingest_rows_failed"');
    await queryRunner.query('UPDATE "ingest_rows" SET "errors" = \'[]\'::jsonb WHERE "errors" IS NULL');
    await queryRunner.query('ALTER TABLE "ingest_rows" ALTER COLUMN "errors" SET DEFAULT \'[]\'');
    await queryRunner.query('ALTER TABLE "ingest_rows" ALTER COLUMN "errors" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "rows_skipped"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "rows_updated"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "rows_created"');
  }
}

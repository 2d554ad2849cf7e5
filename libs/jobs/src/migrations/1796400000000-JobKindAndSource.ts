import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every job gets an explicit kind, a typed source document and typed parameters, replacing the
 * importer-as-kind convention, the source_* columns and the catch-all `options`. Existing rows are
 * carried over: diagnostics jobs read nothing; every other job was a stored file (direct or presigned).
 */
export class JobKindAndSource1796400000000 implements MigrationInterface {
  name = 'JobKindAndSource1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "kind" character varying(32)');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "source" jsonb');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "content_kind" character varying(16)');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "params" jsonb');
    await queryRunner.query(
      `UPDATE "ingest_jobs" SET "kind" = CASE WHEN "importer" = 'diagnostics' THEN 'diagnostics' ELSE 'file-dataset' END`,
    );
    await queryRunner.query(`
      UPDATE "ingest_jobs" SET
        "source" = CASE WHEN "kind" = 'diagnostics' THEN '{"type": "none"}'::jsonb ELSE jsonb_build_object(
          'type', 'stored-file',
          'key', "source_key",
          'size', "source_size",
          'upload', CASE WHEN "source_type" = 'presigned' THEN jsonb_build_object(
              'mode', 'presigned',
              'incoming_key', "options"->'upload'->'incoming_key',
              'upload_id', "options"->'upload'->'upload_id',
              'part_size', "options"->'upload'->'part_size',
              'part_count', coalesce("options"->'upload'->'part_count', '1'::jsonb),
              'content_type', coalesce("options"->'content_type', '"application/octet-stream"'::jsonb),
              'completion_digest', "options"->'upload'->'completion_digest',
              'completing', 'null'::jsonb)
            ELSE '{"mode": "direct"}'::jsonb END)
        END,
        "content_kind" = CASE WHEN "options"->>'source_kind' IN ('vector', 'raster') THEN "options"->>'source_kind' END,
        "params" = CASE WHEN "kind" = 'diagnostics' THEN jsonb_build_object(
            'kind', 'diagnostics',
            'steps', CASE WHEN "options"->>'steps' ~ '^[0-9]{1,9}$' THEN "options"->'steps' ELSE '3'::jsonb END,
            'step_ms', CASE WHEN "options"->>'step_ms' ~ '^[0-9]{1,9}$' THEN "options"->'step_ms' ELSE '200'::jsonb END,
            'fail_with', CASE WHEN "options"->>'fail_with' IN ('transient', 'permanent') THEN "options"->'fail_with' ELSE 'null'::jsonb END)
          ELSE jsonb_build_object('kind', 'file-dataset', 'commit', coalesce("options"->'commit', 'null'::jsonb))
        END`);
    await queryRunner.query('ALTER TABLE "ingest_jobs" ALTER COLUMN "kind" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ALTER COLUMN "source" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ALTER COLUMN "params" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "source_type"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "source_key"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "source_size"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "options"');
    await queryRunner.query(
      `ALTER TABLE "ingest_jobs" ADD CONSTRAINT "ck_ingest_jobs_content_kind" CHECK ("content_kind" IN ('vector', 'raster'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "ingest_jobs" ADD CONSTRAINT "ck_ingest_jobs_params_kind" CHECK ("params"->>'kind' IS NOT DISTINCT FROM "kind")`,
    );
    await queryRunner.query(
      `ALTER TABLE "ingest_jobs" ADD CONSTRAINT "ck_ingest_jobs_kind" CHECK ("kind" IN ('file-dataset', 'service-dataset', 'vrt', 'import-run', 'diagnostics'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP CONSTRAINT "ck_ingest_jobs_kind"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP CONSTRAINT "ck_ingest_jobs_params_kind"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP CONSTRAINT "ck_ingest_jobs_content_kind"');
    await queryRunner.query(`ALTER TABLE "ingest_jobs" ADD "options" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "source_size" bigint');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "source_key" text');
    await queryRunner.query('ALTER TABLE "ingest_jobs" ADD "source_type" character varying(32)');
    await queryRunner.query(`
      UPDATE "ingest_jobs" SET
        "source_type" = CASE WHEN "kind" = 'diagnostics' THEN 'diagnostics'
          WHEN "source"->'upload'->>'mode' = 'presigned' THEN 'presigned' ELSE 'upload' END,
        "source_key" = "source"->>'key',
        "source_size" = ("source"->>'size')::bigint,
        "options" = CASE WHEN "kind" = 'diagnostics' THEN "params" - 'kind'
          ELSE jsonb_strip_nulls(jsonb_build_object(
            'commit', "params"->'commit',
            'source_kind', "content_kind",
            'upload', CASE WHEN "source"->'upload'->>'mode' = 'presigned' THEN "source"->'upload' - 'mode' END))
        END`);
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "params"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "content_kind"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "source"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP COLUMN "kind"');
  }
}

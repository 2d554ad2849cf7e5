import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795333618324 implements MigrationInterface {
  name = 'Init1795333618324';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "api_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(128) NOT NULL, "name" character varying(128), "token_hash" character(64) NOT NULL, "token_prefix" character varying(16) NOT NULL, "capabilities" text array NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "ux_api_tokens_hash" ON "api_tokens"  ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_api_tokens_owner" ON "api_tokens"  ("owner") ');
    await queryRunner.query(
      'CREATE TABLE "ingest_jobs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(128) NOT NULL, "status" character varying(32) NOT NULL DEFAULT \'pending\', "step" character varying(64), "progress" double precision NOT NULL DEFAULT \'0\', "rows_total" bigint, "rows_processed" bigint NOT NULL DEFAULT \'0\', "rows_failed" bigint NOT NULL DEFAULT \'0\', "warnings" jsonb NOT NULL DEFAULT \'[]\', "error" jsonb, "attempt_token" uuid, "attempts" integer NOT NULL DEFAULT \'0\', "parent_id" uuid, "importer" character varying(64) NOT NULL DEFAULT \'dataset\', "dry_run" boolean NOT NULL DEFAULT false, "source_type" character varying(32), "source_filename" character varying(255), "source_key" text, "source_size" bigint, "layer_name" character varying(255), "all_layers" jsonb, "options" jsonb NOT NULL DEFAULT \'{}\', "result" jsonb, "dataset_id" uuid, "request_id" character varying(128), "cancel_requested_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "queued_at" TIMESTAMP WITH TIME ZONE, "started_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_ingest_jobs_progress" CHECK ("progress" >= 0 AND "progress" <= 1), CONSTRAINT "ck_ingest_jobs_status" CHECK ("status" IN (\'pending\', \'queued\', \'processing\', \'completed\', \'completed_with_errors\', \'failed\', \'cancelled\', \'fanning_out\', \'fanned_out\')), CONSTRAINT "PK_1620a944f000c66fb92eef84c11" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_ingest_jobs_parent" ON "ingest_jobs"  ("parent_id") ');
    await queryRunner.query('CREATE INDEX "ix_ingest_jobs_status_queued" ON "ingest_jobs"  ("status", "queued_at") ');
    await queryRunner.query('CREATE INDEX "ix_ingest_jobs_owner_created" ON "ingest_jobs"  ("owner", "created_at") ');
    await queryRunner.query(
      'CREATE TABLE "datasets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(128) NOT NULL, "kind" character varying(16) NOT NULL, "title" character varying(255) NOT NULL, "summary" text, "table_name" character varying(130), "storage_key" text, "crs" integer, "geometry_type" character varying(32), "feature_count" bigint, "extent" double precision array, "columns" jsonb NOT NULL DEFAULT \'[]\', "raster" jsonb, "source_job_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_datasets_kind" CHECK ("kind" IN (\'vector\', \'raster\', \'vrt\', \'table\')), CONSTRAINT "PK_1bf831e43c559a240303e23d038" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "ux_datasets_table_name" ON "datasets"  ("table_name") WHERE "table_name" IS NOT NULL',
    );
    await queryRunner.query('CREATE INDEX "ix_datasets_owner_created" ON "datasets"  ("owner", "created_at") ');
    await queryRunner.query(
      'CREATE TABLE "ingest_rows" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "job_id" uuid NOT NULL, "row_number" integer NOT NULL, "status" character varying(16) NOT NULL, "data" jsonb NOT NULL, "errors" jsonb NOT NULL DEFAULT \'[]\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ux_ingest_rows_job_row" UNIQUE ("job_id", "row_number"), CONSTRAINT "ck_ingest_rows_status" CHECK ("status" IN (\'succeeded\', \'failed\', \'skipped\')), CONSTRAINT "PK_ec63fa972f711465cc92723597b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "vrt_links" ("vrt_dataset_id" uuid NOT NULL, "source_dataset_id" uuid NOT NULL, "position" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_89f00a55a50ec8f00ec6ee87ea2" PRIMARY KEY ("vrt_dataset_id", "source_dataset_id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_vrt_links_source" ON "vrt_links"  ("source_dataset_id") ');
    await queryRunner.query(
      'ALTER TABLE "ingest_jobs" ADD CONSTRAINT "FK_561fe9e6f83f2303d6c3742fec7" FOREIGN KEY ("parent_id") REFERENCES "ingest_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "ingest_jobs" ADD CONSTRAINT "FK_7b9a93342bcbdfb2e50d4a588f9" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "datasets" ADD CONSTRAINT "FK_68c062c0faeea775424c0c7a342" FOREIGN KEY ("source_job_id") REFERENCES "ingest_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "ingest_rows" ADD CONSTRAINT "FK_b04d06afb72f1b147d70f7ab082" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "vrt_links" ADD CONSTRAINT "FK_9baaee1ee292835a45d21189d4c" FOREIGN KEY ("vrt_dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "vrt_links" ADD CONSTRAINT "FK_92c8c2656679ec0cd671cabbfb1" FOREIGN KEY ("source_dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "vrt_links" DROP CONSTRAINT "FK_92c8c2656679ec0cd671cabbfb1"');
    await queryRunner.query('ALTER TABLE "vrt_links" DROP CONSTRAINT "FK_9baaee1ee292835a45d21189d4c"');
    await queryRunner.query('ALTER TABLE "ingest_rows" DROP CONSTRAINT "FK_b04d06afb72f1b147d70f7ab082"');
    await queryRunner.query('ALTER TABLE "datasets" DROP CONSTRAINT "FK_68c062c0faeea775424c0c7a342"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP CONSTRAINT "FK_7b9a93342bcbdfb2e50d4a588f9"');
    await queryRunner.query('ALTER TABLE "ingest_jobs" DROP CONSTRAINT "FK_561fe9e6f83f2303d6c3742fec7"');
    await queryRunner.query('DROP INDEX "public"."ix_vrt_links_source"');
    await queryRunner.query('DROP TABLE "vrt_links"');
    await queryRunner.query('DROP TABLE "ingest_rows"');
    await queryRunner.query('DROP INDEX "public"."ix_datasets_owner_created"');
    await queryRunner.query('DROP INDEX "public"."ux_datasets_table_name"');
    await queryRunner.query('DROP TABLE "datasets"');
    await queryRunner.query('DROP INDEX "public"."ix_ingest_jobs_owner_created"');
    await queryRunner.query('DROP INDEX "public"."ix_ingest_jobs_status_queued"');
    await queryRunner.query('DROP INDEX "public"."ix_ingest_jobs_parent"');
    await queryRunner.query('DROP TABLE "ingest_jobs"');
    await queryRunner.query('DROP INDEX "public"."ix_api_tokens_owner"');
    await queryRunner.query('DROP INDEX "public"."ux_api_tokens_hash"');
    await queryRunner.query('DROP TABLE "api_tokens"');
  }
}

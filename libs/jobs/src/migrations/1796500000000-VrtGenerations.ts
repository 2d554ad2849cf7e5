import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * VRT mosaics: per-VRT state (`version` for compare-and-set, the served and the pending generation) and
 * the immutable generations with their staged member lists.
 */
export class VrtGenerations1796500000000 implements MigrationInterface {
  name = 'VrtGenerations1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "vrt_generations" ("vrt_dataset_id" uuid NOT NULL, "generation" integer NOT NULL, "job_id" uuid, "status" character varying(16) NOT NULL, "source_ids" uuid array NOT NULL, "storage_key" text, "error" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_vrt_generations_status" CHECK ("status" IN (\'building\', \'published\', \'failed\')), CONSTRAINT "pk_vrt_generations" PRIMARY KEY ("vrt_dataset_id", "generation"))',
    );
    await queryRunner.query(
      'CREATE TABLE "vrt_mosaics" ("dataset_id" uuid NOT NULL, "vrt_type" character varying(16) NOT NULL, "resolution_strategy" character varying(16) NOT NULL, "version" integer NOT NULL DEFAULT \'0\', "generation" integer NOT NULL, "last_generation" integer NOT NULL, "pending_generation" integer, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_vrt_mosaics_resolution" CHECK ("resolution_strategy" IN (\'finest\', \'coarsest\', \'average\')), CONSTRAINT "ck_vrt_mosaics_type" CHECK ("vrt_type" IN (\'mosaic\', \'band_stack\')), CONSTRAINT "pk_vrt_mosaics" PRIMARY KEY ("dataset_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "vrt_generations" ADD CONSTRAINT "fk_vrt_generations_dataset" FOREIGN KEY ("vrt_dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "vrt_mosaics" ADD CONSTRAINT "fk_vrt_mosaics_dataset" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "vrt_mosaics" DROP CONSTRAINT "fk_vrt_mosaics_dataset"');
    await queryRunner.query('ALTER TABLE "vrt_generations" DROP CONSTRAINT "fk_vrt_generations_dataset"');
    await queryRunner.query('DROP TABLE "vrt_mosaics"');
    await queryRunner.query('DROP TABLE "vrt_generations"');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What `GET /api/v1/ingest` needs to answer in constant time, however many runs an owner has:
 *
 * - `ix_ingest_jobs_owner_kind_created`: the page (`owner`, `kind`, newest first, `id` breaking ties) is
 *   read straight off the index instead of sorting every run of the owner.
 * - `import_run_counts`: the number of importer runs per owner, importer and status, kept exact by
 *   triggers on `ingest_jobs` in the same transaction as the change, so the list's `total` sums a few
 *   counter rows instead of counting every run (a `count(*)` over 10,000 runs cost more than the rest
 *   of the request together). Each trigger writes its counter rows in key order, so two transactions
 *   moving runs between the same statuses lock them in the same order.
 */
export class ImportRunCounts1796700000000 implements MigrationInterface {
  name = 'ImportRunCounts1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "ix_ingest_jobs_owner_kind_created" ON "ingest_jobs" ("owner", "kind", "created_at", "id") ',
    );
    await queryRunner.query(`
      CREATE TABLE "import_run_counts" (
        "owner" character varying(128) NOT NULL,
        "importer" character varying(64) NOT NULL,
        "status" character varying(32) NOT NULL,
        "runs" bigint NOT NULL,
        CONSTRAINT "pk_import_run_counts" PRIMARY KEY ("owner", "importer", "status")
      )`);
    // Row changes: the old row's key loses one, the new row's gains one, merged per key and written in
    // key order.
    await queryRunner.query(`
      CREATE FUNCTION "strata_count_import_runs"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO "import_run_counts" AS c ("owner", "importer", "status", "runs")
        SELECT d.owner, d.importer, d.status, sum(d.delta)
          FROM (
            SELECT OLD.owner, OLD.importer, OLD.status, -1
             WHERE TG_OP <> 'INSERT' AND OLD.kind = 'import-run'
            UNION ALL
            SELECT NEW.owner, NEW.importer, NEW.status, 1
             WHERE TG_OP <> 'DELETE' AND NEW.kind = 'import-run'
          ) AS d (owner, importer, status, delta)
         GROUP BY d.owner, d.importer, d.status
        HAVING sum(d.delta) <> 0
         ORDER BY d.owner, d.importer, d.status
        ON CONFLICT ("owner", "importer", "status") DO UPDATE SET "runs" = c."runs" + EXCLUDED."runs";
        RETURN NULL;
      END
      $fn$`);
    await queryRunner.query(`
      CREATE FUNCTION "strata_clear_import_run_counts"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM "import_run_counts";
        RETURN NULL;
      END
      $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER "tr_ingest_jobs_count_runs_insert" AFTER INSERT ON "ingest_jobs"
        FOR EACH ROW WHEN (NEW.kind = 'import-run') EXECUTE FUNCTION "strata_count_import_runs"()`);
    // Progress, counter and heartbeat updates (most updates) change none of these columns and skip it.
    await queryRunner.query(`
      CREATE TRIGGER "tr_ingest_jobs_count_runs_update" AFTER UPDATE OF "owner", "importer", "status", "kind" ON "ingest_jobs"
        FOR EACH ROW WHEN ((OLD.kind = 'import-run' OR NEW.kind = 'import-run')
          AND (OLD.owner, OLD.importer, OLD.status, OLD.kind) IS DISTINCT FROM (NEW.owner, NEW.importer, NEW.status, NEW.kind))
        EXECUTE FUNCTION "strata_count_import_runs"()`);
    await queryRunner.query(`
      CREATE TRIGGER "tr_ingest_jobs_count_runs_delete" AFTER DELETE ON "ingest_jobs"
        FOR EACH ROW WHEN (OLD.kind = 'import-run') EXECUTE FUNCTION "strata_count_import_runs"()`);
    await queryRunner.query(`
      CREATE TRIGGER "tr_ingest_jobs_count_runs_truncate" AFTER TRUNCATE ON "ingest_jobs"
        FOR EACH STATEMENT EXECUTE FUNCTION "strata_clear_import_run_counts"()`);
    // The runs that exist now; the migration runs in a transaction, so none is missed or counted twice
    // (a concurrent writer waits for the lock on ingest_jobs the triggers' creation took).
    await queryRunner.query(`
      INSERT INTO "import_run_counts" ("owner", "importer", "status", "runs")
      SELECT "owner", "importer", "status", count(*)
        FROM "ingest_jobs" WHERE "kind" = 'import-run'
       GROUP BY 1, 2, 3`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['truncate', 'delete', 'update', 'insert']) {
      await queryRunner.query(`DROP TRIGGER "tr_ingest_jobs_count_runs_${trigger}" ON "ingest_jobs"`);
    }
    await queryRunner.query('DROP FUNCTION "strata_clear_import_run_counts"()');
    await queryRunner.query('DROP FUNCTION "strata_count_import_runs"()');
    await queryRunner.query('DROP TABLE "import_run_counts"');
    await queryRunner.query('DROP INDEX "ix_ingest_jobs_owner_kind_created"');
  }
}

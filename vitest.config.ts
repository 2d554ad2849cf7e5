import { defineConfig } from 'vitest/config';

// Test-run environment: its own database (recreated by scripts/provision.sh test), its own BullMQ key
// prefix and storage directory, so a run never touches development data and leaves nothing behind.
const runId = process.env.STRATA_TEST_RUN_ID ?? `${process.pid}`;
const env = {
  NODE_ENV: 'test',
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://strata:strata@127.0.0.1:5432/strata_test',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: `strata-test-${runId}`,
  STORAGE_LOCAL_ROOT: process.env.STRATA_TEST_STORAGE ?? `.tmp/test-storage-${runId}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  LOG_PRETTY: 'false',
  STRATA_TEST_RUN_ID: runId,
};

// Vitest applies `test.env` only inside its workers; the global set-up/teardown runs in this process and
// needs the same values to clean up after the run.
Object.assign(process.env, env);

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    env,
    globalSetup: ['test/setup/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/unit/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'apps/**/*.int-spec.ts',
            'libs/**/*.int-spec.ts',
            'test/integration/**/*.int-spec.ts',
            'test/fixtures/**/*.int-spec.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file boots its own gateway and worker processes; two cores cannot run many at once.
          maxWorkers: 1,
        },
      },
      {
        extends: true,
        test: {
          // Hostile input and the authorization/SSRF matrices (issue 13), through both apps like the e2e tier.
          name: 'abuse',
          include: ['test/abuse/**/*.abuse-spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          // Faults (killed processes, services stopped): each file runs its own Redis/PostgreSQL/S3 where it
          // stops or restarts one, so the other tiers never see the outage. After the other tiers.
          name: 'faults',
          include: ['test/faults/**/*.faults-spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          // Public datasets from pinned npm packages, driven like the e2e tier and compared with ogrinfo.
          name: 'corpus',
          include: ['test/corpus/**/*.corpus-spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          // After the other tiers, not beside them: its large files would slow the e2e tier's timed waits.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

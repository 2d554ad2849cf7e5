import { Module, type INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { DomainError, UUID_PATTERN } from '@app/common';
import { JobStatus, isTerminal, type IngestJob } from '@app/jobs';
import { QueuesModule } from '@app/queues';
import { StorageModule } from '@app/storage';
import cliProgress from 'cli-progress';
import { toRun } from '../runs/run.mapper.js';
import { RunsApiModule } from '../runs/runs.module.js';
import { RunsService } from '../runs/runs.service.js';
import { CliModule } from './cli.module.js';
import { MetricsModule } from '@app/metrics';

/** Owner of runs an operator starts without `--user`. */
export const CLI_OWNER = 'cli';
const POLL_MS = 500;
/** Plain progress lines (no TTY) at most this often. */
const PLAIN_EVERY_MS = 2000;

export const INGEST_USAGE = `  ingest:run <slug> --file <path> [--dry-run] [--user <owner>]
      Stores the file, starts a run like an upload would, and follows it with a progress bar to its summary.
  ingest:list [--user <owner>]
      Lists the latest runs (every owner's unless --user): id, importer, status, rows, started.
  ingest:status <id>
      Shows a run (as GET /api/v1/ingest/{id} does) and its error summary.
  ingest:cancel <id>
      Cancels a run: at once when no worker has started it, else between two chunks.
  ingest:retry <id> [--dry-run]
      Starts a new run over the failed rows of an ended run.
`;

export interface IngestCommandOptions {
  positionals: string[];
  file?: string;
  dryRun: boolean;
  user?: string;
}

/** The CLI's module plus the runs service with storage and queues (no HTTP), for the `ingest:*` commands. */
@Module({
  imports: [
    CliModule,
    QueuesModule.forRoot(),
    StorageModule.forRoot(),
    // The upload path counts stored bytes; the CLI's counters are simply never scraped.
    MetricsModule.forRoot('cli'),
    RunsApiModule.register(loadConfig().ingestRuns.apiPrefix, { withHttp: false }),
  ],
})
export class IngestCliModule {}

export class IngestUsageError extends Error {}

function runId(positionals: string[], command: string): string {
  const id = positionals[0];
  if (!id || !UUID_PATTERN.test(id)) throw new IngestUsageError(`${command} needs a run id (see ingest:list)`);
  return id.toLowerCase();
}

/** The application module a command needs: the `ingest:*` commands need storage and queues too. */
export const cliModuleFor = (command: string | undefined): typeof CliModule | typeof IngestCliModule =>
  command?.startsWith('ingest:') ? IngestCliModule : CliModule;

/** Runs one `ingest:*` command in an application built from IngestCliModule; returns the exit code. */
export async function runIngestCommand(
  app: INestApplicationContext,
  command: string,
  options: IngestCommandOptions,
): Promise<number> {
  try {
    return await dispatch(app.get(RunsService), command, options);
  } catch (error) {
    // Domain errors carry user-safe messages; print them like the API would answer.
    if (error instanceof DomainError) {
      process.stderr.write(`${error.message} (${error.status})\n`);
      return 1;
    }
    throw error;
  }
}

async function dispatch(runs: RunsService, command: string, options: IngestCommandOptions): Promise<number> {
  switch (command) {
    case 'ingest:run': {
      const slug = options.positionals[0];
      if (!slug || !options.file) throw new IngestUsageError('ingest:run needs an importer slug and --file <path>');
      const run = await runs.uploadLocalFile(slug, options.file, options.dryRun, {
        owner: options.user ?? CLI_OWNER,
        requestId: null,
      });
      process.stdout.write(`Run ${run.id} queued (importer ${run.importer}${run.dryRun ? ', dry run' : ''}).\n`);
      const ended = await follow(runs, run.id);
      process.stdout.write(describeEnd(ended));
      return ended.status === JobStatus.Completed || ended.status === JobStatus.CompletedWithErrors ? 0 : 1;
    }
    case 'ingest:list': {
      const { runs: found } = await runs.list(options.user ?? null, { page: 1, perPage: 50 });
      for (const run of found) {
        process.stdout.write(
          [
            run.id,
            run.importer,
            run.status,
            `${run.rowsProcessed}/${run.rowsTotal ?? '?'} rows`,
            `${run.rowsFailed} failed`,
            run.owner,
            run.createdAt.toISOString(),
          ].join('\t') + '\n',
        );
      }
      if (found.length === 0) process.stdout.write('no runs\n');
      return 0;
    }
    case 'ingest:status': {
      const run = await runs.getAny(runId(options.positionals, command));
      const summary = await runs.errorSummary(run.id, run.owner);
      process.stdout.write(`${JSON.stringify({ data: toRun(run), errors: summary }, null, 2)}\n`);
      return 0;
    }
    case 'ingest:cancel': {
      const run = await runs.getAny(runId(options.positionals, command));
      const after = await runs.cancel(run.id, run.owner);
      process.stdout.write(
        after.status === JobStatus.Cancelled
          ? `Run ${run.id} cancelled.\n`
          : `Cancellation request sent: run ${run.id} stops after its current chunk.\n`,
      );
      return 0;
    }
    case 'ingest:retry': {
      const run = await runs.getAny(runId(options.positionals, command));
      const child = await runs.retry(run.id, { owner: run.owner, requestId: null }, options.dryRun);
      process.stdout.write(`Run ${child.id} queued: a retry of the failed rows of ${run.id}.\n`);
      return 0;
    }
    default:
      throw new IngestUsageError(`Unknown command '${command}'`);
  }
}

/** Polls the run until it ends, drawing a progress bar on a terminal and plain lines otherwise. */
async function follow(runs: RunsService, id: string): Promise<IngestJob> {
  const tty = process.stdout.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | {status}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLine = 0;
  let lastProcessed = -1;
  let run = await runs.getAny(id);
  const startedAt = Date.now();
  try {
    for (;;) {
      const processed = run.rowsProcessed;
      const total = run.rowsTotal ?? Math.max(processed, 0);
      const rate = rowsPerSecond(processed, Date.now() - startedAt);
      if (bar) {
        if (!started) {
          bar.start(total, processed, { rate, status: run.status });
          started = true;
        }
        bar.setTotal(total);
        bar.update(processed, { rate, status: run.status });
      } else if (processed !== lastProcessed && Date.now() - lastLine >= PLAIN_EVERY_MS) {
        process.stdout.write(
          `${run.status}: ${processed}/${run.rowsTotal ?? '?'} rows, ${run.rowsFailed} failed, ${rate} rows/s\n`,
        );
        lastLine = Date.now();
        lastProcessed = processed;
      }
      if (isTerminal(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      run = await runs.getAny(id);
    }
  } finally {
    bar?.stop();
  }
}

export function rowsPerSecond(rows: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((rows * 1000) / elapsedMs) : 0;
}

/** The closing lines of `ingest:run`: status, counters, duration, and where to look next. */
export function describeEnd(run: IngestJob): string {
  const view = toRun(run);
  const summary = view.summary;
  const lines = [`Run ${run.id} ended ${run.status}.`];
  if (summary) {
    lines.push(
      `  created ${summary.created}, updated ${summary.updated}, skipped ${summary.skipped}, failed ${summary.failed}` +
        (summary.duration_ms !== null ? ` in ${(summary.duration_ms / 1000).toFixed(1)} s` : ''),
    );
    for (const error of summary.errors) lines.push(`  error: ${describe(error)}`);
    for (const warning of summary.warnings) lines.push(`  warning: ${describe(warning)}`);
  }
  if (run.rowsFailed > 0)
    lines.push(`  failed rows: npm run cli -- ingest:status ${run.id}; retry: ingest:retry ${run.id}`);
  return `${lines.join('\n')}\n`;
}

/** An error or warning entry of a summary: its message when it has one, else the entry as JSON. */
function describe(entry: Record<string, unknown>): string {
  return typeof entry.message === 'string' ? entry.message : JSON.stringify(entry);
}

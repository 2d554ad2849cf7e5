import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../e2e/support/stack.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MIGRATE_ENTRY = 'dist/apps/worker/apps/worker/src/migrate.js';

/** Runs a PostgreSQL binary as the `postgres` OS user (root may not run the server). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', join(BIN, bin), ...args], {
    maxBuffer: 4 * 1024 * 1024,
  });
  return stdout;
}

/**
 * A PostgreSQL 15 instance of one test file, in `.tmp/` of the worktree on a free loopback port, so a
 * fault test can stop and restart it without touching the shared cluster other tests use. It holds one
 * database `strata` (owner `strata`, password `strata`) with PostGIS and Strata's migrations applied.
 */
export class PostgresCluster {
  private readonly data: string;
  private readonly socketDir: string;
  private readonly log: string;
  private exitGuard: (() => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.data = join(dir, 'data');
    this.socketDir = join(dir, 'run');
    this.log = join(dir, 'server.log');
  }

  /** `postgres://` URL of the `strata` database, for DATABASE_URL. */
  get url(): string {
    return `postgres://strata:strata@127.0.0.1:${this.port}/strata`;
  }

  static async create(): Promise<PostgresCluster> {
    const dir = join(ROOT, '.tmp', `faults-pg-${randomUUID().slice(0, 8)}`);
    const cluster = new PostgresCluster(dir, await freePort());
    try {
      await cluster.init();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  private async init(): Promise<void> {
    await mkdir(this.socketDir, { recursive: true });
    await run('chown', ['-R', 'postgres:postgres', this.dir]);
    await asPostgres('initdb', [
      '-D',
      this.data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    // Should the test process die without its afterAll, the server must not outlive it.
    this.exitGuard = () => {
      try {
        execFileSync(
          'runuser',
          ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', this.data, '-m', 'immediate', 'stop'],
          {
            stdio: 'ignore',
          },
        );
      } catch {
        // not running
      }
    };
    process.once('exit', this.exitGuard);
    await this.start();
    await this.psql('postgres', "CREATE ROLE strata LOGIN PASSWORD 'strata'");
    await this.psql('postgres', 'CREATE DATABASE strata OWNER strata');
    await this.psql('strata', 'CREATE EXTENSION IF NOT EXISTS postgis');
    await run(process.execPath, [MIGRATE_ENTRY], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: this.url, LOG_LEVEL: 'warn' },
    });
  }

  private async psql(database: string, sql: string): Promise<string> {
    return asPostgres('psql', [
      '-h',
      this.socketDir,
      '-p',
      String(this.port),
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-qAtc',
      sql,
    ]);
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.socketDir}`,
      '-c listen_addresses=127.0.0.1',
      // A throw-away instance: durability is not what these tests are about, speed on a busy machine is.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=60',
    ].join(' ');
    await asPostgres('pg_ctl', ['-D', this.data, '-l', this.log, '-w', '-t', '60', '-o', options, 'start']);
  }

  /** Fast shutdown: open sessions are terminated, as in an operator's restart or a failover. */
  async stop(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async restart(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', '-t', '60', 'restart']);
  }

  /** Whether the server accepts connections now. */
  async ready(): Promise<boolean> {
    try {
      await asPostgres('pg_isready', ['-h', this.socketDir, '-p', String(this.port), '-q']);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the server (if it runs) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await asPostgres('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // never started, or already stopped
    }
    if (this.exitGuard) process.removeListener('exit', this.exitGuard);
    await rm(this.dir, { recursive: true, force: true });
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from '../../e2e/support/stack.js';

/**
 * A redis-server of the test's own, on a free loopback port, without persistence: a fault spec can
 * flush, stop and restart it while the shared Redis of the other tiers is never touched.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), await mkdtemp(join(tmpdir(), 'strata-redis-')));
    await server.launch();
    return server;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Starts redis-server on this server's port (again, after `stop`) and waits until it answers PING. */
  async launch(): Promise<void> {
    if (this.running) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const capture = (chunk: Buffer): void => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.process = child;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && this.running) {
      if (await this.answers()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not start on ${this.port}:\n${this.output.slice(-10).join('\n')}`);
  }

  /** Whether PING succeeds right now (one attempt, no retries). */
  async answers(): Promise<boolean> {
    const client = this.client({ lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  client(options: RedisOptions = {}): Redis {
    const client = new Redis({ host: '127.0.0.1', port: this.port, ...options });
    client.on('error', () => undefined);
    return client;
  }

  /** FLUSHALL: every key gone, as a failover to an empty replica or an operator's mistake would do. */
  async flushAll(): Promise<void> {
    const client = this.client();
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Pool, type QueryResultRow } from 'pg';
import { answerFindings, describeFindings, isSweptAnswer, sweepContextFor, sweepLines } from './log-sweep.js';

const execFileAsync = promisify(execFile);

export const GATEWAY_ENTRY = 'dist/apps/gateway/apps/gateway/src/main.js';
export const WORKER_ENTRY = 'dist/apps/worker/apps/worker/src/main.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A gateway or worker process with its captured output. */
export class AppProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const capture = (chunk: Buffer): void => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Structured (JSON) log lines. */
  logs(): Record<string, unknown>[] {
    return this.output.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async waitForLog(
    predicate: (entry: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.logs().find(predicate);
      if (found) return found;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name}: expected log line not seen. Last lines:\n${this.output.slice(-15).join('\n')}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The built gateway and worker(s) as real child processes, sharing the test database and a queue prefix
 * of their own. Tests talk to them only over HTTP (plus direct reads of Postgres/Redis to check state).
 */
export class Stack {
  readonly workers: AppProcess[] = [];
  /** Gateways started with `startExtraGateway`, beside the first. */
  readonly extraGateways: AppProcess[] = [];
  gateway!: AppProcess;
  baseUrl = '';
  readonly env: Record<string, string>;
  private readonly db: Pool;
  /** Every distinct text body this stack's gateways answered `api`, `apiAt` and `upload` with, by request. */
  private readonly answers = new Map<string, string>();

  private constructor(env: Record<string, string>) {
    this.env = env;
    this.db = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
    // An idle connection the server ends (a fault test restarting PostgreSQL) is dropped, not fatal.
    this.db.on('error', () => undefined);
  }

  /** Starts a gateway and, unless `workers: 0`, one worker. */
  static async start(
    options: { workers?: number; env?: Record<string, string>; workerEnv?: Record<string, string> } = {},
  ): Promise<Stack> {
    for (const entry of [GATEWAY_ENTRY, WORKER_ENTRY]) {
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm test does this) first`);
    }
    const base = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const stack = new Stack({
      ...base,
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX ?? 'strata-test'}-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      READINESS_RETRY_MS: '300',
      ...options.env,
    });
    await stack.startGateway();
    for (let i = 0; i < (options.workers ?? 1); i += 1) await stack.startWorker(options.workerEnv);
    return stack;
  }

  private async startGateway(): Promise<void> {
    const { process, baseUrl } = await this.launchGateway('gateway');
    this.gateway = process;
    this.baseUrl = baseUrl;
  }

  /**
   * Another gateway process on a port of its own, sharing the database, Redis and queue prefix, as a
   * second replica behind a load balancer would. Call the API on it with `apiAt(baseUrl, …)`.
   */
  async startExtraGateway(env: Record<string, string> = {}): Promise<{ process: AppProcess; baseUrl: string }> {
    const started = await this.launchGateway(`gateway-${this.extraGateways.length + 2}`, env);
    this.extraGateways.push(started.process);
    return started;
  }

  private async launchGateway(
    name: string,
    env: Record<string, string> = {},
  ): Promise<{ process: AppProcess; baseUrl: string }> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const gateway = this.spawn(name, GATEWAY_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${baseUrl}/api/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return { process: gateway, baseUrl };
      if (!gateway.running) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} did not become ready:\n${gateway.output.slice(-20).join('\n')}`);
  }

  /** Starts a worker and waits until it consumes (or, with `waitUntilConsuming: false`, only until it boots). */
  async startWorker(
    env: Record<string, string> = {},
    options: { waitUntilConsuming?: boolean } = {},
  ): Promise<AppProcess> {
    const worker = this.spawn(`worker-${this.workers.length + 1}`, WORKER_ENTRY, env);
    this.workers.push(worker);
    if (options.waitUntilConsuming === false) {
      await worker.waitForLog((l) => l.msg === 'worker started');
    } else {
      await worker.waitForLog((l) => l.msg === 'dependencies ready');
    }
    return worker;
  }

  private spawn(name: string, entry: string, env: Record<string, string>): AppProcess {
    const child = spawn(process.execPath, [entry], { env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AppProcess(name, child);
  }

  /** Mints a token with the operator CLI, exactly as the README tells a user to. */
  async mintToken(owner: string, capabilities: string[]): Promise<string> {
    const { stdout } = await this.cli('token:create', '--user', owner, '--capabilities', capabilities.join(','));
    const token = stdout.trim().split('\n').at(-1) ?? '';
    if (!/^stk_/.test(token)) throw new Error(`unexpected CLI output: ${stdout}`);
    return token;
  }

  async cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync(process.execPath, ['scripts/cli.mjs', ...args], { env: this.env });
  }

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: ApiOptions = {},
  ): Promise<ApiResponse<T>> {
    return this.apiAt<T>(this.baseUrl, method, path, options);
  }

  /** `api` against another gateway of this stack (see `startExtraGateway`). */
  async apiAt<T = Record<string, unknown>>(
    baseUrl: string,
    method: string,
    path: string,
    options: ApiOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    return this.answer<T>(`${method} ${path}`, await fetch(`${baseUrl}${path}`, { method, headers, body }));
  }

  /**
   * POST /api/ingest/upload (or another multipart route, e.g. an importer's `/api/v1/ingest/upload/{slug}`)
   * with a multipart `file` part, as a browser form would send it.
   */
  async upload<T = Record<string, unknown>>(
    token: string,
    file: { name: string; data: Buffer | Uint8Array },
    field = 'file',
    path = '/api/ingest/upload',
  ): Promise<ApiResponse<T>> {
    const form = new FormData();
    form.append(field, new Blob([file.data]), file.name);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return this.answer<T>(`POST ${path}`, res);
  }

  /** Polls GET /api/jobs/{id} until `until` holds. */
  async waitForJob(
    token: string,
    id: string,
    until: (job: Record<string, unknown>) => boolean,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const res = await this.api('GET', `/api/jobs/${id}`, { token });
      last = res.body;
      if (res.status === 200 && until(last)) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`job ${id} did not reach the expected state; last seen: ${JSON.stringify(last)}`);
  }

  async sql<T extends QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(text, params)).rows;
  }

  /** A Redis connection, for checking or deliberately damaging this stack's queue state. */
  redis(): Redis {
    return new Redis(this.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  }

  /** Deletes every BullMQ key of this stack, as a Redis flush or failover would. */
  async flushQueues(): Promise<number> {
    const redis = this.redis();
    try {
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.env.QUEUE_PREFIX}:*`, 'COUNT', 1000);
        if (keys.length > 0) deleted += await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      return deleted;
    } finally {
      redis.disconnect();
    }
  }

  /** Every process this stack started (the gateways, then the workers, stopped ones included). */
  get processes(): AppProcess[] {
    return [...(this.gateway ? [this.gateway] : []), ...this.extraGateways, ...this.workers];
  }

  /**
   * Stops every process, then sweeps every line they wrote (see `sweepLogs`): a line with a path, a stack
   * frame, a credential or SQL text fails the caller (the spec file's `afterAll`).
   */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await this.db.end();
    sweepLogs(this.processes, this.env);
    sweepAnswers(this.answers, this.env);
  }

  /**
   * Reads an answer (its body parsed when it is JSON) and keeps the body for the answer sweep at `stop`,
   * when the sweep reads it (`isSweptAnswer`).
   */
  private async answer<T>(request: string, res: Response): Promise<ApiResponse<T>> {
    const text = await res.text();
    if (isSweptAnswer(res.headers.get('content-type') ?? '', text) && !this.answers.has(text)) {
      this.answers.set(text, `${request} → ${res.status}`);
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (e.g. the Swagger UI page): the text
    }
    return { status: res.status, headers: res.headers, body: body as T, text };
  }
}

/**
 * Throws (with the offending lines, cut short) when a line of `processes`' output breaks a rule of the
 * log sweep (test/e2e/support/log-sweep.ts), for processes started with `env` from this directory.
 */
export function sweepLogs(
  processes: { name: string; output: readonly string[] }[],
  env: Record<string, string | undefined>,
): void {
  const context = sweepContextFor(env, process.cwd(), tmpdir());
  const findings = sweepLines(
    processes.map((p) => ({ source: p.name, lines: p.output })),
    context,
  );
  if (findings.length > 0) throw new Error(describeFindings(findings));
}

/**
 * Throws when a body the gateways answered (kept by `api`, `apiAt` and `upload`) breaks a rule of the
 * log sweep: no response may carry a path of this machine, a stack frame, a credential or SQL text
 * either. The finding names the request that got it.
 */
export function sweepAnswers(answers: ReadonlyMap<string, string>, env: Record<string, string | undefined>): void {
  const findings = answerFindings(answers, sweepContextFor(env, process.cwd(), tmpdir()));
  if (findings.length > 0) {
    throw new Error(describeFindings(findings, 20, 400, 'response(s) with what no answer may carry'));
  }
}

export const uniqueOwner = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

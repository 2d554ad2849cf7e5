import 'reflect-metadata';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogContext, NestLogger, RequestLoggingMiddleware, createRootLogger, setRootLogger } from './logging.js';

type Line = Record<string, unknown> & { msg?: string; level?: number; request_id?: string };

const INFO = 30;
const WARN = 40;
const ERROR = 50;

/** A log destination that parses each line it is given into `lines`. */
function into(lines: Line[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
}

/**
 * The request logger with the gateway's real logger parameters, writing to memory, in front of a plain
 * HTTP server whose handler answers what the path asks for and logs a line of its own on the way.
 */
describe('RequestLoggingMiddleware', () => {
  const lines: Line[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    setRootLogger(createRootLogger(parseConfig({ LOG_LEVEL: 'info', LOG_PRETTY: 'false' }), 'gateway', into(lines)));
    const logs = new LogContext();
    const middleware = new RequestLoggingMiddleware(logs);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      middleware.use(req, res, () => {
        const path = (req.url ?? '').split('?')[0];
        logs.logger.info({ path }, 'handler ran');
        if (path === '/hang') return; // the client gives up first
        res.statusCode = path === '/missing' ? 404 : path === '/broken' ? 500 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const closing = async (requestId: string): Promise<Line> => {
    for (let i = 0; i < 100; i += 1) {
      const line = lines.find((l) => l.request_id === requestId && l.msg !== 'handler ran');
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no closing line for ${requestId}`);
  };

  it('echoes a well-formed request id and closes with method, path (no query), status and time', async () => {
    const res = await fetch(`${base}/api/datasets?token=secret`, { headers: { 'x-request-id': 'caller-1' } });
    expect(res.headers.get('x-request-id')).toBe('caller-1');
    const line = await closing('caller-1');
    expect(line).toMatchObject({
      level: INFO,
      app: 'gateway',
      msg: 'request completed',
      req: { id: 'caller-1', method: 'GET', url: '/api/datasets' },
      res: { status: 200 },
    });
    expect(typeof line.responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('puts the request id on every line written while the request is handled', async () => {
    await fetch(`${base}/api/jobs`, { headers: { 'x-request-id': 'caller-2' } });
    await closing('caller-2');
    expect(lines.find((l) => l.msg === 'handler ran' && l.path === '/api/jobs')).toMatchObject({
      request_id: 'caller-2',
    });
  });

  it('mints a UUID for a missing or malformed id', async () => {
    const res = await fetch(`${base}/api/datasets`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await closing(id)).toMatchObject({ req: { id } });
  });

  it('closes 4xx at warn and 5xx at error', async () => {
    await fetch(`${base}/missing`, { headers: { 'x-request-id': 'caller-404' } });
    await fetch(`${base}/broken`, { headers: { 'x-request-id': 'caller-500' } });
    expect(await closing('caller-404')).toMatchObject({ level: WARN, msg: 'request completed', res: { status: 404 } });
    expect(await closing('caller-500')).toMatchObject({ level: ERROR, msg: 'request completed', res: { status: 500 } });
  });

  it('logs a request the client abandoned as aborted', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${base}/hang`, { headers: { 'x-request-id': 'caller-gone' } });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => req.destroy(), 100);
    });
    expect(await closing('caller-gone')).toMatchObject({ level: WARN, msg: 'request aborted', req: { url: '/hang' } });
  });

  it('writes no closing line for the liveness probe, but still gives it an id', async () => {
    const res = await fetch(`${base}/api/health/live`, { headers: { 'x-request-id': 'caller-live' } });
    expect(res.headers.get('x-request-id')).toBe('caller-live');
    await fetch(`${base}/api/datasets`, { headers: { 'x-request-id': 'caller-after' } });
    await closing('caller-after');
    expect(lines.filter((l) => l.request_id === 'caller-live' && l.msg !== 'handler ran')).toEqual([]);
  });
});

/** Nest's `Logger` through `NestLogger`, as `app.useLogger` wires it, into the context's pino logger. */
describe('NestLogger', () => {
  const lines: Line[] = [];
  const logs = new LogContext();
  const nest = new NestLogger(logs);

  beforeAll(() => {
    setRootLogger(createRootLogger(parseConfig({ LOG_LEVEL: 'trace', LOG_PRETTY: 'false' }), 'worker', into(lines)));
    Logger.overrideLogger(nest);
  });

  afterAll(() => {
    Logger.overrideLogger(false);
  });

  const last = (): Line => {
    const line = lines.at(-1);
    if (!line) throw new Error('nothing was logged');
    return line;
  };

  it("puts a named logger's name in `context` and maps Nest's levels to pino's", () => {
    const log = new Logger('GdalTaskRunner');
    log.log('child ready');
    expect(last()).toMatchObject({ level: 30, app: 'worker', context: 'GdalTaskRunner', msg: 'child ready' });
    log.verbose('detail');
    expect(last()).toMatchObject({ level: 10, msg: 'detail' });
    log.debug('debugging');
    expect(last()).toMatchObject({ level: 20, msg: 'debugging' });
    log.warn('careful');
    expect(last()).toMatchObject({ level: 40, msg: 'careful' });
    log.fatal('gone');
    expect(last()).toMatchObject({ level: 60, msg: 'gone' });
  });

  it('makes an object first argument the fields and the next one the message', () => {
    new Logger('Runner').debug({ pid: 42 }, 'GDAL child kept for the next task');
    expect(last()).toMatchObject({ level: 20, context: 'Runner', pid: 42, msg: 'GDAL child kept for the next task' });
  });

  it('logs an Error as `err`, through the error serializer', () => {
    new Logger('Jobs').error(new Error('connection refused'));
    expect(last()).toMatchObject({ level: 50, context: 'Jobs', err: { type: 'Error', message: 'connection refused' } });
  });

  it("turns Nest's exception handler call (message, stack) into an `err`, not a message with a stack", () => {
    const failure = new Error('boom');
    nest.error('Unhandled failure', failure.stack, 'ExceptionsHandler');
    expect(last()).toMatchObject({
      level: 50,
      context: 'ExceptionsHandler',
      err: { type: 'Error', message: 'Unhandled failure' },
    });
    expect(last().msg).toBe('Unhandled failure');
  });

  it('writes without a context when Nest gives none, and carries the current context', async () => {
    await logs.run(
      async () => {
        await Promise.resolve();
        Logger.log('inside a job');
      },
      { job_id: 'j-1' },
    );
    expect(last()).toMatchObject({ msg: 'inside a job', job_id: 'j-1' });
    expect(last().context).toBeUndefined();
    Logger.log('outside');
    expect(last().job_id).toBeUndefined();
  });

  it('writes nothing below the configured level', () => {
    setRootLogger(createRootLogger(parseConfig({ LOG_LEVEL: 'warn', LOG_PRETTY: 'false' }), 'worker', process.stdout));
    const before = lines.length;
    new Logger('Quiet').log('not written');
    expect(lines.length).toBe(before);
  });
});

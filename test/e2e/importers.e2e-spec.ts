import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ENTRY, Stack, WORKER_ENTRY, sweepLogs, uniqueOwner } from './support/stack.js';

const PROBLEM = /^application\/problem\+json/;

const STATIONS = {
  slug: 'stations',
  title: 'Weather stations',
  source: {
    type: 'upload',
    formats: ['csv', 'xlsx'],
    overridable: [],
    url: null,
    key: null,
    service: null,
    max_size_bytes: 104857600,
  },
  read: { delimiter: null, encoding: 'utf-8', header_row: 1, sheet: null, pointer: '', layer: null },
  target: { table: 'public.stations', key: ['code'], create: true },
  duplicates: { strategy: 'upsert', compare: null },
  fields: [
    {
      column: 'code',
      from: ['code', 'Station ID'],
      type: 'text',
      transforms: [
        { name: 'trim', arg: null },
        { name: 'upper', arg: null },
      ],
      rules: [
        { name: 'required', arg: null },
        { name: 'max_length', arg: 12 },
        { name: 'regex', arg: '^[A-Z0-9-]+$' },
      ],
    },
    expect.objectContaining({ column: 'name' }),
    {
      column: 'elevation_m',
      from: ['elevation', 'elevation_m'],
      type: 'numeric',
      transforms: [
        { name: 'null_if', arg: ['', '-', 'n/a'] },
        { name: 'number', arg: { decimal: ',' } },
      ],
      rules: [{ name: 'between', arg: [-500, 9000] }],
    },
    expect.objectContaining({ column: 'status' }),
    expect.objectContaining({ column: 'opened_on', type: 'date' }),
    expect.objectContaining({ column: 'contact_email' }),
  ],
  geometry: { column: 'geom', srid: 4326, from: { kind: 'xy', x: 'lon', y: 'lat' } },
  chunk_size: 5000,
  errors: { max_failed_rows: 1000, max_failed_ratio: 0.5 },
  rows: { keep_successful: false },
  transaction: 'chunk',
};

describe('importer definitions over HTTP (GET /api/importers)', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    // The worker boots too: both apps load the importers at start.
    stack = await Stack.start();
    token = await stack.mintToken(uniqueOwner('reader'), ['create_layers']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('lists the importers to any valid token', async () => {
    const res = await stack.api<{ data: Record<string, unknown>[] }>('GET', '/api/importers', { token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((d) => d.slug)).toContain('stations');
    expect(res.body.data.find((d) => d.slug === 'stations')).toEqual(STATIONS);
  });

  it('shows one importer', async () => {
    const res = await stack.api<{ data: Record<string, unknown> }>('GET', '/api/importers/stations', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: STATIONS });
  });

  it('answers 404 problem+json for an unknown slug', async () => {
    const res = await stack.api('GET', '/api/importers/no-such-importer', { token });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 404, detail: "Importer 'no-such-importer' was not found." });
  });

  it('answers 401 without a token', async () => {
    for (const path of ['/api/importers', '/api/importers/stations']) {
      const res = await stack.api('GET', path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(PROBLEM);
    }
  });
});

describe('an invalid importer file stops boot', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'importers-boot-'));
  const dir = join(scratch, 'importers');

  beforeAll(() => {
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'broken.yaml'),
      'source: {type: upload, formats: [csv]}\ntarget: {table: t, key: [nope]}\nfields: {a: {rules: [shout]}}\nduplicates: {strategy: upsert}\n',
    );
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([
    ['gateway', GATEWAY_ENTRY],
    ['worker', WORKER_ENTRY],
  ])('%s exits 1 with one line per problem on stderr', async (name, entry) => {
    const child = spawn(process.execPath, [entry], {
      // The port is never bound: the process stops before Nest starts.
      env: { ...process.env, IMPORTERS_DIR: dir, PORT: '65000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    // Started outside `Stack`, so swept here: the importers directory is a temporary one.
    sweepLogs([{ name, output: stderr.split('\n').filter(Boolean) }], process.env);
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^importers\/broken\.yaml: fields\.a\.rules\[0\]: unknown rule 'shout' \(known: /),
      "importers/broken.yaml: target.key[0]: 'nope' is not one of the fields",
    ]);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LAYER_COLUMNS, translateVectorLayer } from './vector-load.js';

// Real GDAL on a generated file; the database target is unreachable on purpose: the refusal comes first.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-vector-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('translateVectorLayer', () => {
  it('refuses a layer with more columns than a PostgreSQL table holds, in words, before any SQL', async () => {
    const csv = join(dir, 'wide.csv');
    const columns = MAX_LAYER_COLUMNS + 102;
    await writeFile(
      csv,
      `${Array.from({ length: columns }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: columns }, (_, i) => i).join(',')}\n`,
    );
    await expect(
      translateVectorLayer({
        sourcePath: csv,
        layerName: null,
        target: { host: '127.0.0.1', port: 1, database: 'none', user: 'none', password: 'none' },
        schema: 'data',
        table: 'wide',
      }),
    ).rejects.toMatchObject({
      name: 'VectorIngestError',
      code: 'too-many-columns',
      message: 'The layer has 1,700 columns; a table holds at most 1,598 besides its id and geometry.',
    });
  });
});

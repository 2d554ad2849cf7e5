import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPreviewCommit } from '../../clients/typescript/examples/upload-preview-commit.js';
import { createStrataClient } from '../../clients/typescript/src/index.js';
import { Stack, uniqueOwner } from './support/stack.js';

const POINTS = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { name: 'Harbour', visitors: 1200 },
      geometry: { type: 'Point', coordinates: [9.99, 53.54] },
    },
    {
      type: 'Feature',
      properties: { name: 'Town hall', visitors: 860 },
      geometry: { type: 'Point', coordinates: [10, 53.55] },
    },
    {
      type: 'Feature',
      properties: { name: 'Park', visitors: 430 },
      geometry: { type: 'Point', coordinates: [9.98, 53.56] },
    },
  ],
};

describe('the typed client against the live stack', () => {
  let stack: Stack;
  let token: string;
  let file: string;

  beforeAll(async () => {
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` } });
    token = await stack.mintToken(uniqueOwner('client'), ['upload']);
    file = join(stack.env.STORAGE_LOCAL_ROOT ?? '.tmp', `points-${randomUUID()}.geojson`);
    await writeFile(file, JSON.stringify(POINTS));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("runs the README's example: upload → preview → commit → poll → dataset", async () => {
    const dataset = await uploadPreviewCommit(stack.baseUrl, token, file, 'Points from the typed client');
    expect(dataset).toMatchObject({ kind: 'vector', feature_count: 3, crs: 4326, geometry_type: 'Point' });
    const rows = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM ${dataset.table_name ?? 'missing'}`);
    expect(Number(rows[0]?.n)).toBe(3);
  });

  it('returns problem+json errors as typed `error` values, not exceptions', async () => {
    const strata = createStrataClient({ baseUrl: stack.baseUrl, token });
    const { data, error, response } = await strata.GET('/api/jobs/{id}', { params: { path: { id: randomUUID() } } });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(error).toMatchObject({ status: 404 });
  });
});

import 'reflect-metadata';
import { ReaderFailure } from '@app/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerExportTask } from '../../ingest/gdal-task.protocol.js';
import type { RunningTask } from '../../ingest/gdal-task.runner.js';
import { DEFAULT_READ, FixtureDir } from '../../../../../test/fixtures/readers.js';
import { openRecordReader, type GdalTaskStarter } from './index.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

/** A GDAL child stuck in a native call: its export never answers until it is killed. */
function stuckGdal(): { starter: GdalTaskStarter; killed: () => boolean } {
  let killed = false;
  const starter: GdalTaskStarter = {
    start<T>(_task: LayerExportTask): RunningTask<T> {
      let fail: (error: Error) => void = () => undefined;
      const result = new Promise<T>((_, reject) => {
        fail = reject;
      });
      return {
        result,
        kill: () => {
          killed = true;
          fail(new Error('killed'));
        },
      };
    },
  };
  return { starter, killed: () => killed };
}

describe('openRecordReader: the first pass is bounded in time (SOURCE_READ_TIMEOUT_MS)', () => {
  it('abandons an open that does not finish, kills its GDAL export and fails with reader-too-slow', async () => {
    const path = await files.write('stuck.geojson', '{"type":"FeatureCollection","features":[]}');
    const gdal = stuckGdal();
    const error = await openRecordReader({
      path,
      format: 'geojson',
      read: DEFAULT_READ,
      gdal: gdal.starter,
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: ReaderFailure.TooSlow,
      message: 'Reading the file took longer than 200 ms; it may be malformed or too large for one run.',
    });
    expect(gdal.killed()).toBe(true);
  });

  it('leaves an open that finishes in time alone', async () => {
    const path = await files.write('ok.csv', 'code,name\nA,Alpha\n');
    const reader = await openRecordReader({ path, format: 'csv', read: DEFAULT_READ, timeoutMs: 60_000 });
    expect(reader.total).toBe(1);
    await reader.close();
  });
});

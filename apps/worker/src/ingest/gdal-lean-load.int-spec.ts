import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);

/** The worker build's module (`npm run build` first): it must run before anything loads gdal-async. */
const BUILT = fileURLToPath(
  new URL('../../../../dist/apps/worker/apps/worker/src/ingest/gdal-lean-load.js', import.meta.url),
);
if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first.`);

interface Probe {
  version: string;
  binding: string;
  loaded: string[];
  vrt: string;
  loadedAfterVrt: string[];
}

/**
 * A fresh Node process (as a GDAL child is) loads gdal-async, with or without the lean loading first,
 * and reports which of the packages the child does not need were loaded; then it calls `gdal.wrapVRT`,
 * the one function that needs xmlbuilder2.
 */
async function probe(lean: boolean): Promise<Probe> {
  const script = `
    import { createRequire } from 'node:module';
    ${lean ? `await import(${JSON.stringify(BUILT)});` : ''}
    const require = createRequire(${JSON.stringify(BUILT)});
    const gdal = require('gdal-async');
    const heavy = () => Object.keys(require.cache)
      .filter((f) => /[\\\\/]node_modules[\\\\/](xmlbuilder2|@oozcitak|@mapbox[\\\\/]node-pre-gyp|semver|nopt)[\\\\/]/.test(f))
      .map((f) => f.replace(/^.*[\\\\/]node_modules[\\\\/]/, '').split(/[\\\\/]/).slice(0, f.includes('@') ? 2 : 1).join('/'));
    const loaded = [...new Set(heavy())];
    const binding = Object.keys(require.cache).find((f) => f.endsWith('.node')) ?? '';
    const ds = gdal.open('temp', 'w', 'MEM', 7, 3, 1, gdal.GDT_Byte);
    const vrt = gdal.wrapVRT({ bands: [{ sources: [ds.bands.get(1)] }] });
    const out = { version: gdal.version, binding, loaded, vrt, loadedAfterVrt: [...new Set(heavy())] };
    process.stdout.write(JSON.stringify(out));
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Probe;
}

describe('lean loading of gdal-async in a GDAL child', () => {
  it('loads the same native binding without node-pre-gyp and defers xmlbuilder2 to wrapVRT', async () => {
    const [plain, lean] = await Promise.all([probe(false), probe(true)]);

    // Without it, gdal-async loads both (this is what the module avoids).
    expect(plain.loaded).toEqual(expect.arrayContaining(['xmlbuilder2', '@mapbox/node-pre-gyp', 'semver']));

    expect(lean.binding).toBe(plain.binding);
    expect(lean.binding).toMatch(/gdal\.node$/);
    expect(lean.version).toBe(plain.version);
    expect(lean.loaded).toEqual([]);
    // wrapVRT still works: xmlbuilder2 is loaded when it is first called.
    expect(lean.vrt).toContain('<VRTDataset rasterXSize="7" rasterYSize="3">');
    expect(lean.vrt).toBe(plain.vrt);
    expect(lean.loadedAfterVrt).toEqual(expect.arrayContaining(['xmlbuilder2']));
    expect(lean.loadedAfterVrt).not.toContain('@mapbox/node-pre-gyp');
  });
});

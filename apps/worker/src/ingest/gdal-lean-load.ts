/**
 * Makes loading gdal-async in a GDAL child cheaper. Imported first by the child entry (gdal-task.ts), before
 * anything loads gdal-async.
 *
 * gdal-async's entry requires two JavaScript packages a child never needs:
 * - `@mapbox/node-pre-gyp` (with semver, nopt, consola and detect-libc, about 60 modules), only to find
 *   the native binding's file;
 * - `xmlbuilder2` (with a whole DOM implementation, about 140 modules), only for `gdal.wrapVRT`, which
 *   Strata does not call.
 *
 * Loading them costs every child about 9 MiB of memory (an idle spare child 97 → 88 MiB) and about
 * 0.1–0.25 s of its start (measured in docs/benchmarks.md, "Lean ingest"). Here, for requires made by
 * gdal-async's own files only:
 * - the binding's path comes from gdal-async's package.json (`binary.module_path`, whose placeholders
 *   are node-pre-gyp's `{node_abi}`, `{platform}` and `{arch}`). With any other placeholder, or no such
 *   file, the real node-pre-gyp is used;
 * - `xmlbuilder2` is loaded on the first call of one of its functions.
 */
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

const require = createRequire(import.meta.url);

interface BinaryConfig {
  module_name?: unknown;
  module_path?: unknown;
}

type Load = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;

/** The native binding's file named by a package.json's `binary` section, or undefined if it cannot say. */
function bindingPath(packageJsonPath: string): string | undefined {
  const binary = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { binary?: BinaryConfig }).binary;
  if (typeof binary?.module_name !== 'string' || typeof binary.module_path !== 'string') return undefined;
  const values: Record<string, string> = {
    node_abi: `node-v${process.versions.modules}`,
    platform: process.platform,
    arch: process.arch,
  };
  let unknown = false;
  const modulePath = binary.module_path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  if (unknown) return undefined;
  const file = join(dirname(packageJsonPath), modulePath, `${binary.module_name}.node`);
  return existsSync(file) ? file : undefined;
}

/** A stand-in for a module, which `loadModule` loads when one of its exports is first called. */
function deferred(loadModule: () => unknown): unknown {
  let loaded: Record<string | symbol, unknown> | undefined;
  const load = (): Record<string | symbol, unknown> => (loaded ??= loadModule() as Record<string | symbol, unknown>);
  return new Proxy(
    {},
    {
      get: (_, key) =>
        function (this: unknown, ...args: unknown[]): unknown {
          return (load()[key] as (...a: unknown[]) => unknown).apply(this, args);
        },
    },
  );
}

/** Installs the shortcuts (this module is evaluated once per process). */
function installLeanGdalLoad(): void {
  const gdalLib = `${dirname(require.resolve('gdal-async/package.json'))}${sep}lib${sep}`;
  /* oxlint-disable no-underscore-dangle -- Node's CommonJS loader, through which gdal-async's requires go. */
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  loader._load = function (this: unknown, request, parent, isMain) {
    const from = parent?.filename;
    if (typeof from === 'string' && from.startsWith(gdalLib)) {
      if (request === '@mapbox/node-pre-gyp') {
        return {
          find: (packageJsonPath: string, ...rest: unknown[]): string =>
            bindingPath(packageJsonPath) ??
            (original.call(this, request, parent, isMain) as { find: (...a: unknown[]) => string }).find(
              packageJsonPath,
              ...rest,
            ),
        };
      }
      if (request === 'xmlbuilder2') return deferred(() => original.call(this, request, parent, isMain));
    }
    return original.call(this, request, parent, isMain);
  };
  /* oxlint-enable no-underscore-dangle */
}

installLeanGdalLoad();

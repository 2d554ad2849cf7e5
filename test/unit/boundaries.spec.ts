import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Architecture rules from STYLE.md, checked against the source:
 * - libs are imported through their `@app/<lib>` entry only (no deep imports);
 * - the gateway never loads GDAL, not even through a lib it imports;
 * - the worker process never loads GDAL either: only its GDAL child process does;
 * - `gdal` is a leaf: it imports only `config` and `contracts`, and `contracts` imports nothing;
 * - `queues` does not depend on `jobs` (payloads carry ids);
 * - only `libs/config` reads `process.env`.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'var', '.git', '.tmp']);
const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const TEST_FILE = /\.(?:spec|int-spec|e2e-spec)\.[cm]?[jt]s$/;

/** Repo-relative, `/`-separated. */
const rel = (absolute: string): string => relative(ROOT, absolute).split(sep).join('/');

function sourceFiles(dir: string): string[] {
  const absolute = join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = `${dir === '.' ? '' : `${dir}/`}${entry.name}`;
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.isFile() && SOURCE_FILE.test(entry.name)) found.push(path);
  }
  return found.sort();
}

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Every module specifier a file loads: static imports, re-exports, `import()` and `require()`. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(read(file), true, true).importedFiles.map((f) => f.fileName);
}

/** `@app/<lib>` → the lib's source directory, from the tsconfig path aliases. */
function libAliases(): Map<string, string> {
  const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path)) as {
    config?: { compilerOptions?: { paths?: Record<string, string[]> } };
    error?: ts.Diagnostic;
  };
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const aliases = new Map<string, string>();
  for (const [alias, [target]] of Object.entries(config?.compilerOptions?.paths ?? {})) {
    if (alias.startsWith('@app/') && target) aliases.set(alias, rel(dirname(resolve(ROOT, target))));
  }
  return aliases;
}

interface Edge {
  to: string;
  /** The file whose import creates the edge, and what it imports. */
  via: string;
  specifier: string;
}

/**
 * Module graph. A lib is one node (`@app/<lib>`) whose edges are the imports of all its non-test source
 * files: importing a lib loads its whole entry. Other files are nodes of their own; packages are leaves.
 */
class ImportGraph {
  readonly libs = libAliases();
  private readonly edgeCache = new Map<string, Edge[]>();

  private libOfPath(file: string): string | undefined {
    for (const [alias, dir] of this.libs) if (file === dir || file.startsWith(`${dir}/`)) return alias;
    return undefined;
  }

  /** The node an import specifier in `from` refers to. */
  nodeFor(specifier: string, from: string): string {
    for (const alias of this.libs.keys()) {
      if (specifier === alias || specifier.startsWith(`${alias}/`)) return alias;
    }
    if (!specifier.startsWith('.')) return specifier;
    const target = rel(resolve(ROOT, dirname(from), specifier));
    const candidates = [
      target,
      target.replace(/\.js$/, '.ts'),
      target.replace(/\.mjs$/, '.mts'),
      target.replace(/\.cjs$/, '.cts'),
      `${target}.ts`,
      `${target}/index.ts`,
    ];
    const file = candidates.find((c) => existsSync(join(ROOT, c)) && SOURCE_FILE.test(c)) ?? target;
    return this.libOfPath(file) ?? file;
  }

  edges(node: string): Edge[] {
    let edges = this.edgeCache.get(node);
    if (!edges) {
      const dir = this.libs.get(node);
      const files = dir
        ? sourceFiles(dir).filter((f) => !TEST_FILE.test(f))
        : SOURCE_FILE.test(node) && existsSync(join(ROOT, node))
          ? [node]
          : [];
      edges = files.flatMap((via) =>
        importsOf(via)
          .map((specifier) => ({ to: this.nodeFor(specifier, via), via, specifier }))
          .filter((edge) => edge.to !== node),
      );
      this.edgeCache.set(node, edges);
    }
    return edges;
  }

  /** Every node `start` loads, directly or not (itself included). */
  reachable(start: string): Set<string> {
    const seen = new Set([start]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const edge of this.edges(queue[i] as string)) {
        if (!seen.has(edge.to)) {
          seen.add(edge.to);
          queue.push(edge.to);
        }
      }
    }
    return seen;
  }

  /** The lib whose source directory holds `file`, if any. */
  libOf(file: string): string | undefined {
    return this.libOfPath(file);
  }

  /** Shortest chain of imports from `start` to a node matching `target`, or null. */
  pathTo(start: string, target: (node: string) => boolean): Edge[] | null {
    const cameFrom = new Map<string, { from: string; edge: Edge } | null>([[start, null]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i] as string;
      if (node !== start && target(node)) {
        const chain: Edge[] = [];
        for (let step = cameFrom.get(node); step; step = cameFrom.get(step.from)) chain.unshift(step.edge);
        return chain;
      }
      for (const edge of this.edges(node)) {
        if (!cameFrom.has(edge.to)) {
          cameFrom.set(edge.to, { from: node, edge });
          queue.push(edge.to);
        }
      }
    }
    return null;
  }
}

function describeChain(start: string, chain: Edge[]): string {
  return [start, ...chain.map((e) => `  ${e.via} imports '${e.specifier}'`)].join('\n');
}

const isGdal = (node: string): boolean =>
  node === '@app/gdal' || node === 'gdal-async' || node.startsWith('gdal-async/');

const WORKER_MAIN = 'apps/worker/src/main.ts';
/** The worker's GDAL child process (forked by path, never imported): the one worker entry that loads GDAL. */
const GDAL_CHILD = 'apps/worker/src/ingest/gdal-task.ts';

describe('architecture boundaries', () => {
  const graph = new ImportGraph();

  it('finds the libs and the apps it checks (so the rules below are not vacuous)', () => {
    expect([...graph.libs.keys()]).toEqual(
      expect.arrayContaining(['@app/config', '@app/common', '@app/contracts', '@app/jobs', '@app/queues', '@app/gdal']),
    );
    expect(graph.libs.get('@app/gdal')).toBe('libs/gdal/src');
    expect(sourceFiles('apps/gateway/src').length).toBeGreaterThan(10);
    expect(graph.edges('@app/jobs').map((e) => e.to)).toContain('@app/common');
    // The worker does run GDAL: the same search must find that.
    const workerReachesGdal = sourceFiles('apps/worker/src').some((f) => graph.pathTo(f, isGdal) !== null);
    expect(workerReachesGdal).toBe(true);
    expect(graph.pathTo('@app/gdal', (n) => n === 'gdal-async')).not.toBeNull();
  });

  it('the gateway never imports @app/gdal or gdal-async, directly or through a lib', () => {
    const offenders = sourceFiles('apps/gateway')
      .map((file) => ({ file, chain: graph.pathTo(file, isGdal) }))
      .filter((o): o is { file: string; chain: Edge[] } => o.chain !== null)
      // A file that reaches GDAL only through another gateway file adds nothing: that file is listed.
      .filter(({ chain }) => !chain[0]?.to.startsWith('apps/gateway/'))
      .map(({ file, chain }) => describeChain(file, chain));
    expect(offenders, 'The gateway must not load GDAL; each entry is a chain of imports that does').toEqual([]);
  });

  it('the worker process never loads GDAL: only its GDAL child does', () => {
    // Not vacuous: the worker's module graph is found, and so is the child's way to GDAL.
    const workerProcess = graph.reachable(WORKER_MAIN);
    expect(workerProcess).toContain('apps/worker/src/worker.module.ts');
    expect(workerProcess).toContain('apps/worker/src/ingest/gdal-task.runner.ts');
    expect(graph.pathTo(GDAL_CHILD, (n) => n === 'gdal-async')).not.toBeNull();

    const chain = graph.pathTo(WORKER_MAIN, isGdal);
    expect(
      chain && describeChain(WORKER_MAIN, chain),
      "GDAL's configuration is process-wide: the worker runs GDAL only in its child process; this chain loads it",
    ).toBeNull();
    // Any other worker module that reaches GDAL is one only the child loads.
    const childModules = graph.reachable(GDAL_CHILD);
    const elsewhere = sourceFiles('apps/worker/src')
      .filter((file) => !TEST_FILE.test(file) && file !== GDAL_CHILD && !childModules.has(file))
      .map((file) => ({ file, chain: graph.pathTo(file, isGdal) }))
      .filter((o): o is { file: string; chain: Edge[] } => o.chain !== null)
      .map(({ file, chain: c }) => describeChain(file, c));
    expect(elsewhere, 'Only the GDAL child (gdal-task.ts) and modules it alone loads may reach GDAL').toEqual([]);
  });

  it('the worker process never loads @nestjs/swagger: the OpenAPI decorators live in @app/openapi, for the gateway', () => {
    const isSwagger = (node: string): boolean => node === '@nestjs/swagger' || node.startsWith('@nestjs/swagger/');
    // Not vacuous: the gateway does load it, through @app/openapi, and the worker loads the libs it was split from.
    expect(graph.reachable('apps/gateway/src/main.ts')).toContain('@app/openapi');
    expect(graph.edges('@app/openapi').some((e) => isSwagger(e.to))).toBe(true);
    const workerLoads = graph.reachable(WORKER_MAIN);
    expect(workerLoads.has('@app/common') && workerLoads.has('@app/security')).toBe(true);

    const chain = graph.pathTo(WORKER_MAIN, isSwagger);
    expect(
      chain && describeChain(WORKER_MAIN, chain),
      'An idle worker pays for every module it loads (issue 12); this chain loads the OpenAPI machinery',
    ).toBeNull();
  });

  it('the worker process never loads class-validator or class-transformer: its configuration is checked by @app/config alone', () => {
    const isDtoValidation = (node: string): boolean =>
      ['class-validator', 'class-transformer'].some((name) => node === name || node.startsWith(`${name}/`));
    // Not vacuous: the gateway's request DTOs load them, and the worker loads @app/config.
    expect([...graph.reachable('apps/gateway/src/main.ts')].some(isDtoValidation)).toBe(true);
    expect(graph.reachable(WORKER_MAIN).has('@app/config')).toBe(true);

    const chain = graph.pathTo(WORKER_MAIN, isDtoValidation);
    expect(
      chain && describeChain(WORKER_MAIN, chain),
      'An idle worker pays for every module it loads (issue 12); this chain loads class-validator or class-transformer',
    ).toBeNull();
  });

  it('libs/gdal imports no lib but @app/config and @app/contracts, and @app/contracts imports nothing', () => {
    const fromGdal = graph
      .edges('@app/gdal')
      .filter((e) => e.to.startsWith('@app/') && e.to !== '@app/config' && e.to !== '@app/contracts')
      .map((e) => `${e.via} imports '${e.specifier}'`);
    expect(fromGdal, 'libs/gdal is a leaf (GDAL-free shared types belong in libs/contracts)').toEqual([]);
    expect(graph.edges('@app/gdal').map((e) => e.to)).toContain('@app/contracts');
    const fromContracts = graph.edges('@app/contracts').map((e) => `${e.via} imports '${e.specifier}'`);
    expect(fromContracts, 'libs/contracts is loaded by every process: it imports nothing').toEqual([]);
  });

  it('libs/queues never imports @app/jobs, directly or transitively', () => {
    const chain = graph.pathTo('@app/queues', (n) => n === '@app/jobs');
    expect(
      chain && describeChain('@app/queues', chain),
      'queues must not depend on jobs; this chain of imports does',
    ).toBeNull();
  });
});

describe('libs are imported through their entry only', () => {
  const graph = new ImportGraph();
  const DEEP_ALIAS = /^@app\/[^/]+\/./;

  it('no path alias reaches inside a lib', () => {
    expect([...graph.libs.keys()].filter((alias) => alias.includes('*'))).toEqual([]);
  });

  it('no file in apps/, libs/ or test/ imports `@app/<lib>/…` or reaches into another lib by a relative path', () => {
    const files = ['apps', 'libs', 'test'].flatMap((dir) => sourceFiles(dir));
    expect(files).toContain('apps/worker/src/ingest/gdal-task.ts');
    const offenders = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          if (DEEP_ALIAS.test(specifier)) return true;
          if (!specifier.startsWith('.')) return false;
          const target = graph.nodeFor(specifier, file);
          return target.startsWith('@app/') && target !== graph.libOf(file);
        })
        .map((specifier) => `${file} imports '${specifier}'`),
    );
    expect(offenders, "Import a lib as '@app/<lib>' (export what is needed from its index)").toEqual([]);
  });

  it('the check sees deep imports', () => {
    expect(DEEP_ALIAS.test('@app/gdal/raster-cog.js')).toBe(true);
    expect(DEEP_ALIAS.test('@app/gdal')).toBe(false);
    expect(graph.nodeFor('../../../gdal/src/raster-cog.js', 'libs/storage/src/drivers/s3.storage.ts')).toBe(
      '@app/gdal',
    );
  });
});

/** Where a file reads `process.env` (any spelling we can see statically), as `file:line: code`. */
function processEnvReads(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const processNames = new Set(['process']);
  const hits: string[] = [];
  const report = (node: ts.Node): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    hits.push(`${file}:${line}: ${node.getText(source).split('\n')[0]}`);
  };
  const isProcess = (node: ts.Expression): boolean =>
    (ts.isIdentifier(node) && processNames.has(node.text)) ||
    (ts.isPropertyAccessExpression(node) &&
      node.name.text === 'process' &&
      node.expression.getText(source) === 'globalThis');

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      const bindings = node.importClause?.namedBindings;
      if (from === 'process' || from === 'node:process') {
        if (node.importClause?.name) processNames.add(node.importClause.name.text);
        if (bindings && ts.isNamespaceImport(bindings)) processNames.add(bindings.name.text);
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            if ((element.propertyName ?? element.name).text === 'env') report(element);
            if ((element.propertyName ?? element.name).text === 'default') processNames.add(element.name.text);
          }
        }
      }
    } else if (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) {
      report(node);
    } else if (
      ts.isElementAccessExpression(node) &&
      ts.isStringLiteralLike(node.argumentExpression) &&
      node.argumentExpression.text === 'env' &&
      isProcess(node.expression)
    ) {
      report(node);
    } else if (
      ts.isVariableDeclaration(node) &&
      ts.isObjectBindingPattern(node.name) &&
      node.initializer &&
      isProcess(node.initializer) &&
      node.name.elements.some((e) => (e.propertyName ?? e.name).getText(source) === 'env')
    ) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

describe('configuration comes only from libs/config', () => {
  it('the detector sees every way of reading process.env, and ignores comments and strings', () => {
    const sample = [
      "import proc from 'node:process';",
      "import { env } from 'process';",
      '// process.env.IN_A_COMMENT',
      "const text = 'process.env.IN_A_STRING';",
      'const a = process.env.A;',
      "const b = process['env'];",
      'const { env: c } = process;',
      'const d = globalThis.process.env;',
      'const e = proc.env;',
    ].join('\n');
    expect(processEnvReads('sample.ts', sample).map((hit) => Number(hit.split(':')[1]))).toEqual([2, 5, 6, 7, 8, 9]);
  });

  it('the detector finds the one legitimate reader', () => {
    expect(processEnvReads('libs/config/src/load-config.ts', read('libs/config/src/load-config.ts'))).not.toEqual([]);
  });

  it('no file outside libs/config reads process.env', () => {
    // Test code (test/, *.spec / *.int-spec / *.e2e-spec files), scripts and benchmarks set up environments;
    // the typed client's examples are programs of their own, outside the service.
    const allowed = (file: string): boolean =>
      file.startsWith('libs/config/') ||
      file.startsWith('clients/typescript/examples/') ||
      file.startsWith('test/') ||
      file.startsWith('scripts/') ||
      file.startsWith('bench/') ||
      file === 'vitest.config.ts' ||
      TEST_FILE.test(file);
    const scanned = sourceFiles('.').filter((file) => !allowed(file));
    expect(scanned).toContain('apps/gateway/src/main.ts');
    const reads = scanned.flatMap((file) => processEnvReads(file, read(file)));
    expect(reads, 'Read configuration through AppConfig (libs/config) instead of process.env').toEqual([]);
  });
});

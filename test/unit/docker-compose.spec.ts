import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StorageDriverName, parseConfig } from '@app/config';
import { envSchemaNames } from './env-schema-names.js';

/**
 * Static checks of docker-compose.yml (no Docker engine needed):
 * - it validates against the Compose Specification JSON schema (the copy dclint ships) and passes
 *   dclint's error-level rules;
 * - the Strata services only set variables that libs/config/src/env.schema.ts declares;
 * - gateway and workers use the S3 driver against the compose MinIO, with MinIO's own credentials and
 *   the bucket minio-init creates, and keep nothing on a local volume (so workers can run anywhere);
 * - workers scale (no published ports, no container_name) and shut down within their grace period;
 * - start-up order: postgis healthy → migrate completed, minio-init completed → gateway and workers.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const require = createRequire(import.meta.url);
const DCLINT_DIR = dirname(require.resolve('dclint/package.json'));

interface DependsOn {
  condition?: string;
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number | string; published?: number | string })[];
  container_name?: string;
  depends_on?: Record<string, DependsOn> | string[];
  volumes?: (string | { source?: string; target: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
  stop_grace_period?: string;
  restart?: string;
  deploy?: { replicas?: number };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
// `merge: true` resolves the `<<: *anchor` merge keys the file uses, as Compose does.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function commandOf(name: string): string[] {
  const command = service(name).command;
  if (!Array.isArray(command)) throw new Error(`service "${name}" should use the exec (list) form of command`);
  return command;
}

/** Every service that runs the Strata image (migrate, gateway, worker and any dedicated worker pool). */
const STRATA_SERVICES = Object.keys(services).filter((name) => services[name]?.image === service('gateway').image);
/** Every service that runs the worker entry point. */
const WORKER_SERVICES = STRATA_SERVICES.filter((name) => commandOf(name)[1]?.endsWith('/worker/src/main.js'));

/** Compose interpolation with an empty host environment: every `${NAME:-default}` takes its default. */
function interpolate(value: string): string {
  return value
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
      (_match, _name: string, fallback?: string) => fallback ?? '',
    )
    .replace(/\$\$/g, '$');
}

function environmentOf(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((line): [string, string] => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([key, value]): [string, string] => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

function dependenciesOf(name: string): Record<string, string> {
  const deps = service(name).depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((dep) => [dep, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([dep, spec]) => [dep, spec.condition ?? 'service_started']));
}

/** `75s`, `1m30s`, `500ms` → milliseconds. */
function durationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new Error(`bad duration ${value}`);
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (units[unit ?? ''] ?? Number.NaN), 0);
}

describe('docker-compose.yml', () => {
  describe('Compose Specification', () => {
    const schemaFile = join(DCLINT_DIR, 'schemas/compose.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    // The schema names draft-07 by an https URL Ajv does not know under that spelling; Ajv's default
    // dialect is draft-07, so the document is compiled without the `$schema` pointer.
    const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile({
      ...schema,
      $schema: undefined,
    });

    it('uses the official Compose Specification schema', () => {
      expect(schema.title).toBe('Compose Specification');
      expect(schema.$id).toBe('compose_spec.json');
    });

    it('validates against the schema', () => {
      const valid = validate(compose);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(valid).toBe(true);
    });

    it('the validator rejects what Compose rejects (the check is not vacuous)', () => {
      expect(validate({ ...compose, servcies: {} })).toBe(false);
      const worker = { ...service('worker'), depends_on: { migrate: { condition: 'finished' } } };
      expect(validate({ ...compose, services: { ...services, worker } })).toBe(false);
    });

    it('has no version key (the Compose Specification dropped it)', () => {
      expect(compose).not.toHaveProperty('version');
    });

    it("passes dclint's error-level rules", () => {
      const cli = join(DCLINT_DIR, 'bin/dclint.cjs');
      const run = spawnSync(process.execPath, [cli, COMPOSE_FILE], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    });
  });

  describe('environment', () => {
    const declared = envSchemaNames();

    it('reads the variable names from env.schema.ts', () => {
      expect(declared.size).toBeGreaterThan(10);
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'STORAGE_DRIVER', 'WORKER_QUEUES', 'SHUTDOWN_TIMEOUT_MS']) {
        expect(declared).toContain(name);
      }
    });

    it.each(STRATA_SERVICES)('%s sets only variables that env.schema.ts declares', (name) => {
      const unknown = Object.keys(environmentOf(name)).filter((key) => !declared.has(key));
      expect(unknown).toEqual([]);
    });

    it('commented-out settings use declared names too', () => {
      const commented = [...composeText.matchAll(/^\s*#\s+([A-Z][A-Z0-9_]*):\s/gm)].map((m) => m[1] ?? '');
      expect(commented.filter((key) => !declared.has(key))).toEqual([]);
    });

    it('covers the Strata services', () => {
      expect(STRATA_SERVICES).toEqual(expect.arrayContaining(['migrate', 'gateway', 'worker']));
      expect(WORKER_SERVICES).toContain('worker');
    });

    it('shares the common settings through the x-strata-env extension field', () => {
      const shared = compose['x-strata-env'] as Record<string, unknown> | undefined;
      expect(shared).toBeDefined();
      for (const name of STRATA_SERVICES) {
        expect(Object.keys(environmentOf(name))).toEqual(expect.arrayContaining(Object.keys(shared ?? {})));
      }
    });

    it('points the apps at the compose services', () => {
      for (const name of STRATA_SERVICES) {
        const env = environmentOf(name);
        expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgis');
        expect(new URL(env.REDIS_URL ?? '').hostname).toBe('redis');
      }
    });

    it('gateway and workers share the MinIO bucket through the S3 driver', () => {
      const minio = environmentOf('minio');
      const bucket = environmentOf('minio-init').BUCKET;
      expect(bucket).toBeTruthy();
      for (const name of ['gateway', ...WORKER_SERVICES]) {
        const env = environmentOf(name);
        expect(env.STORAGE_DRIVER, name).toBe('s3');
        const endpoint = new URL(env.S3_ENDPOINT ?? '');
        expect(endpoint.hostname).toBe('minio');
        expect(endpoint.port).toBe('9000');
        // MinIO serves buckets path-style only (no wildcard DNS on the compose network).
        expect(env.S3_FORCE_PATH_STYLE).toBe('true');
        expect(env.S3_BUCKET).toBe(bucket);
        expect(env.S3_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
        expect(env.S3_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
        expect(env.S3_REGION).toBe('us-east-1');
      }
    });

    it.each(STRATA_SERVICES)("%s's environment passes the apps' own configuration check", (name) => {
      const config = parseConfig(environmentOf(name));
      expect(config.storage).toMatchObject({
        driver: StorageDriverName.S3,
        endpoint: 'http://minio:9000',
        forcePathStyle: true,
      });
    });

    it('minio-init creates the bucket with the credentials MinIO starts with', () => {
      const minio = environmentOf('minio');
      const init = environmentOf('minio-init');
      expect(minio.MINIO_ROOT_USER).toBe('strata');
      expect(minio.MINIO_ROOT_PASSWORD).toBe('strata-secret');
      expect(init.MINIO_ROOT_USER).toBe(minio.MINIO_ROOT_USER);
      expect(init.MINIO_ROOT_PASSWORD).toBe(minio.MINIO_ROOT_PASSWORD);
      const script = ([] as string[]).concat(service('minio-init').command ?? []).join(' ');
      expect(script).toContain('http://minio:9000');
      expect(script).toMatch(/mc mb --ignore-existing "local\/\$\$BUCKET"/);
    });

    it('keeps no files on a local volume: the apps hold nothing a second host would miss', () => {
      for (const name of STRATA_SERVICES) {
        expect(service(name).volumes, name).toBeUndefined();
        expect(environmentOf(name)).not.toHaveProperty('STORAGE_LOCAL_ROOT');
      }
      expect(compose.volumes).not.toHaveProperty('storage');
    });
  });

  describe('services', () => {
    it('has the expected services', () => {
      expect(Object.keys(services)).toEqual(
        expect.arrayContaining(['gateway', 'migrate', 'minio', 'minio-init', 'postgis', 'redis', 'worker']),
      );
    });

    it.each(WORKER_SERVICES)('%s scales: no published ports, no container_name, no fixed replica count', (name) => {
      const worker = service(name);
      expect(worker.ports).toBeUndefined();
      expect(worker.container_name).toBeUndefined();
      expect(worker.deploy?.replicas).toBeUndefined();
    });

    it('the gateway publishes container port 3000 on host port 3000 by default', () => {
      const ports = (service('gateway').ports ?? []).map((port) =>
        typeof port === 'string'
          ? interpolate(port).split(':').slice(-2).join(':')
          : `${interpolate(String(port.published ?? ''))}:${port.target}`,
      );
      expect(ports).toContain('3000:3000');
      expect(environmentOf('gateway').PORT).toBe('3000');
    });

    it.each(WORKER_SERVICES)('%s gets SIGKILL only after its own shutdown timeout has run out', (name) => {
      const env = environmentOf(name);
      const timeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 60_000);
      expect(durationMs(service(name).stop_grace_period ?? '10s')).toBeGreaterThan(timeoutMs);
      expect(env).toHaveProperty('WORKER_QUEUES');
      expect(env).toHaveProperty('WORKER_CONCURRENCY');
    });

    it('the Strata services run the built entry points of real sources', () => {
      for (const name of STRATA_SERVICES) {
        const [binary, script] = commandOf(name);
        expect(binary).toBe('node');
        const source = /^dist\/apps\/(?:gateway|worker)\/(.+)\.js$/.exec(script ?? '')?.[1];
        expect(source, `${name}: ${script}`).toBeDefined();
        expect(existsSync(join(ROOT, `${source}.ts`)), `${name}: ${source}.ts`).toBe(true);
      }
      expect(commandOf('gateway')[1]).toMatch(/apps\/gateway\/src\/main\.js$/);
      expect(commandOf('worker')[1]).toMatch(/apps\/worker\/src\/main\.js$/);
      expect(commandOf('migrate')[1]).toMatch(/apps\/worker\/src\/migrate\.js$/);
    });

    it('the Strata services all build and run the image of ./Dockerfile', () => {
      expect(service('gateway').image).toMatch(/^strata:/);
      for (const name of STRATA_SERVICES) expect(service(name).build).toBeDefined();
    });
  });

  describe('start-up order', () => {
    it('the backing services have health checks', () => {
      for (const name of ['postgis', 'redis', 'minio']) expect(service(name).healthcheck?.test).toBeDefined();
      // Workers answer their own probe on the metrics server's port, which their environment enables.
      const worker = service('worker');
      const port = environmentOf('worker').WORKER_METRICS_PORT;
      expect(String(worker.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/health/live`);
    });

    it('migrate waits for a healthy PostGIS', () => {
      expect(dependenciesOf('migrate')).toMatchObject({ postgis: 'service_healthy' });
    });

    it.each(['gateway', ...WORKER_SERVICES])(
      '%s waits for finished migrations, the bucket and a healthy Redis',
      (name) => {
        expect(dependenciesOf(name)).toMatchObject({
          migrate: 'service_completed_successfully',
          'minio-init': 'service_completed_successfully',
          redis: 'service_healthy',
        });
      },
    );

    it('minio-init waits for a healthy MinIO', () => {
      expect(dependenciesOf('minio-init')).toMatchObject({ minio: 'service_healthy' });
    });

    it('the dependency graph has no cycle and puts migrate before gateway and worker', () => {
      const order: string[] = [];
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (name: string): void => {
        if (state.get(name) === 'done') return;
        if (state.get(name) === 'visiting') throw new Error(`depends_on cycle through ${name}`);
        state.set(name, 'visiting');
        for (const dep of Object.keys(dependenciesOf(name))) visit(dep);
        state.set(name, 'done');
        order.push(name);
      };
      for (const name of Object.keys(services)) visit(name);
      expect(order.indexOf('postgis')).toBeLessThan(order.indexOf('migrate'));
      for (const name of ['gateway', ...WORKER_SERVICES]) {
        expect(order.indexOf('migrate')).toBeLessThan(order.indexOf(name));
        expect(order.indexOf('minio-init')).toBeLessThan(order.indexOf(name));
      }
    });

    it('the one-shot services do not restart', () => {
      expect(service('migrate').restart).toBe('no');
      expect(service('minio-init').restart).toBe('no');
    });
  });
});

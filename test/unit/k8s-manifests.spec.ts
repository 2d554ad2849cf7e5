import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { envSchemaNames } from './env-schema-names.js';

/**
 * Static checks of deploy/k8s (no cluster needed): every object validates against the Kubernetes
 * OpenAPI schemas (kubernetes-models), the kustomization lists every manifest, Strata's containers only
 * set variables env.schema.ts declares, probes point at real endpoints and ports, the worker's grace
 * period outlasts its shutdown wait, and the HPA scales the worker Deployment on the queue metrics.
 */

const DIR = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const NOT_APPLIED = new Set(['kustomization.yaml', 'prometheus-adapter-rules.yaml']);

type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !NOT_APPLIED.has(f));
const manifests: (Manifest & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return { ...(doc.toJS() as Manifest), file };
  }),
);
const find = <T>(kind: string, name: string): T => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is missing`);
  return found as T;
};

interface Container {
  name: string;
  image: string;
  command: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
}
interface Workload {
  spec: { template: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number } } };
}
const container = (kind: string, name: string): Container =>
  find<Workload>(kind, name).spec.template.spec.containers[0] as Container;
const configData = (): Record<string, string> =>
  find<{ data: Record<string, string> }>('ConfigMap', 'strata-config').data;

describe('deploy/k8s', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.kind}/${m.metadata.name}`, m] as const))(
    '%s validates against the Kubernetes schema',
    (_name, manifest) => {
      const { file: _file, ...object } = manifest;
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `no schema model for ${object.apiVersion}/${object.kind}`).toBeDefined();
      expect(() => new Model!(object as never).validate()).not.toThrow();
    },
  );

  it('lists every manifest in the kustomization', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]?.toJS() as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it('sets only variables that env.schema.ts declares', () => {
    const known = envSchemaNames();
    const secretKeys = Object.keys(find<{ stringData: Record<string, string> }>('Secret', 'strata-secrets').stringData);
    const explicit = manifests
      .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
      .flatMap((m) => (m as unknown as Workload).spec.template.spec.containers.flatMap((c) => c.env ?? []))
      .map((e) => e.name);
    for (const name of [...Object.keys(configData()), ...secretKeys, ...explicit]) {
      expect(known.has(name), `${name} is not a Strata setting`).toBe(true);
    }
    expect(secretKeys.sort()).toEqual(['DATABASE_URL', 'REDIS_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']);
  });

  it('shares S3 storage between replicas (never a local volume)', () => {
    expect(configData()).toMatchObject({ STORAGE_DRIVER: 's3' });
  });

  it('probes the gateway on its health routes and the worker on its metrics server', () => {
    const gateway = container('Deployment', 'strata-gateway');
    expect(gateway.readinessProbe?.httpGet).toEqual({ path: '/api/health/ready', port: 'http' });
    expect(gateway.livenessProbe?.httpGet).toEqual({ path: '/api/health/live', port: 'http' });
    expect(gateway.ports).toContainEqual({ name: 'http', containerPort: 3000 });

    const worker = container('Deployment', 'strata-worker');
    const metricsPort = Number(configData().WORKER_METRICS_PORT);
    expect(worker.ports).toContainEqual({ name: 'metrics', containerPort: metricsPort });
    expect(configData().WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'metrics' });
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'metrics' });
  });

  it('gives workers longer to stop than their shutdown wait, so active jobs can finish', () => {
    const grace = find<Workload>('Deployment', 'strata-worker').spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1000).toBeGreaterThan(Number(configData().SHUTDOWN_TIMEOUT_MS));
  });

  it('runs the three roles from one image with the commands of the Dockerfile', () => {
    expect(container('Deployment', 'strata-gateway').command).toEqual([
      'node',
      'dist/apps/gateway/apps/gateway/src/main.js',
    ]);
    expect(container('Deployment', 'strata-worker').command).toEqual([
      'node',
      'dist/apps/worker/apps/worker/src/main.js',
    ]);
    const migrate = find<Workload>('Job', 'strata-migrate').spec.template.spec.containers[0];
    expect(migrate?.command).toEqual(['node', 'dist/apps/worker/apps/worker/src/migrate.js']);
    expect(
      new Set(
        manifests
          .filter((m) => m.kind !== 'HorizontalPodAutoscaler')
          .flatMap((m) => (m as unknown as Workload).spec?.template?.spec?.containers?.map((c) => c.image) ?? []),
      ),
    ).toEqual(new Set(['strata']));
  });

  it('scales the worker Deployment on the queue metrics the gateway exports', () => {
    const hpa = find<{
      spec: {
        scaleTargetRef: { kind: string; name: string };
        metrics: { type: string; external: { metric: { name: string } } }[];
      };
    }>('HorizontalPodAutoscaler', 'strata-worker');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'strata-worker' });
    const names = hpa.spec.metrics.map((m) => m.external.metric.name);
    expect(names).toEqual(['strata_queue_oldest_waiting_seconds', 'strata_queue_jobs']);
    const rules = readFileSync(join(DIR, 'prometheus-adapter-rules.yaml'), 'utf8');
    for (const name of names) expect(rules).toContain(`seriesQuery: '${name}{`);
    const documented = readFileSync(fileURLToPath(new URL('../../docs/operations.md', import.meta.url)), 'utf8');
    for (const name of names) expect(documented).toContain(`\`${name}\``);
  });
});

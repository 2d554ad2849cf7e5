import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.js';

interface Operation {
  security?: Record<string, string[]>[];
  summary?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown; example?: unknown }> }>;
}

describe('OpenAPI document and Swagger UI', () => {
  let stack: Stack;
  let spec: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties?: Record<string, { example?: unknown }> }> };
  };

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
    spec = (await stack.api<typeof spec>('GET', '/docs-json')).body;
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await stack.api('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('serves exactly the committed openapi.json', async () => {
    const committed = JSON.parse(await readFile('openapi.json', 'utf8')) as unknown;
    expect(spec).toEqual(committed);
  });

  it('documents every route with a summary, auth, a typed success response and problem+json errors', () => {
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.summary, where).toBeTruthy();
      const success = Object.entries(op.responses).filter(([code]) => code.startsWith('2'));
      expect(success.length, where).toBe(1);
      // JSON everywhere, except Prometheus' text exposition and downloads, which declare their own media
      // type (the failed-rows CSV).
      const content = success[0]?.[1].content;
      const schema = content?.['application/json']?.schema ?? content?.['text/csv']?.schema;
      expect(path === '/metrics' ? content?.['text/plain']?.schema : schema, where).toBeDefined();
    }
    const publicOps = operations.filter(({ path }) => path.startsWith('/api/health/'));
    expect(publicOps.map(({ path }) => path).sort()).toEqual(['/api/health/live', '/api/health/ready']);
    for (const { op } of publicOps) expect(op.security ?? []).toEqual([]);
    for (const { path, method, op } of operations.filter((o) => !o.path.startsWith('/api/health/'))) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.security, where).toEqual([{ bearer: [] }]);
      for (const code of ['401', '500']) {
        const problem = op.responses[code]?.content?.['application/problem+json'];
        expect(problem?.schema, `${where} ${code}`).toBeDefined();
        expect(problem?.example, `${where} ${code}`).toMatchObject({ status: Number(code) });
      }
    }
  });

  it('gives every response property an example', () => {
    const missing = Object.entries(spec.components.schemas)
      .filter(([name]) => name.endsWith('ResponseDto') || name.endsWith('Dto'))
      .flatMap(([name, schema]) =>
        Object.entries(schema.properties ?? {})
          .filter(
            ([, prop]) =>
              !('example' in prop) &&
              !('$ref' in prop) &&
              !('allOf' in prop) &&
              (prop as { type?: string }).type !== 'array',
          )
          .map(([prop]) => `${name}.${prop}`),
      );
    expect(missing).toEqual([]);
  });
});

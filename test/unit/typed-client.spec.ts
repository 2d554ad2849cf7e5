import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStrataClient, formData } from '../../clients/typescript/src/index.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the typed TypeScript client', () => {
  it('shows its example exactly as the tests run it (README block = examples/upload-preview-commit.ts)', () => {
    const readme = read('clients/typescript/README.md');
    const block = /<!-- example:start -->\n```ts\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme)?.[1];
    expect(block).toBe(read('clients/typescript/examples/upload-preview-commit.ts'));
  });

  it('sends the token as a bearer token, to the typed path with its parameters filled in', async () => {
    const seen: Request[] = [];
    const client = createStrataClient({
      baseUrl: 'http://strata.test',
      token: 'tok-123',
      fetch: async (request: Request) => {
        seen.push(request);
        return Response.json({ id: 'j1', status: 'queued' });
      },
    });
    const { data } = await client.GET('/api/jobs/{id}', { params: { path: { id: 'j1' } } });
    expect(data).toMatchObject({ id: 'j1', status: 'queued' });
    expect(seen[0]?.url).toBe('http://strata.test/api/jobs/j1');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer tok-123');
  });

  it('serializes multipart bodies with file names and skips absent fields', async () => {
    const form = formData({ file: new File(['a,b\n1,2\n'], 'rows.csv'), dry_run: true, note: undefined });
    const file = form.get('file');
    expect(file).toBeInstanceOf(File);
    expect((file as File).name).toBe('rows.csv');
    expect(await (file as File).text()).toBe('a,b\n1,2\n');
    expect(form.get('dry_run')).toBe('true');
    expect(form.has('note')).toBe(false);
  });
});

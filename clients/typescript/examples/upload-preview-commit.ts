import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStrataClient, formData, waitForJob } from '../src/index.js';

/** Upload a file, look inside it, ingest it, wait for the dataset. Returns the dataset. */
export async function uploadPreviewCommit(baseUrl: string, token: string, path: string, title: string) {
  const strata = createStrataClient({ baseUrl, token });

  // 1. Upload: the job is `pending` (staged, nothing ingested yet).
  const file = new File([await readFile(path)], basename(path));
  const upload = await strata.POST('/api/ingest/upload', { body: { file }, bodySerializer: formData });
  if (!upload.data) throw new Error(`upload failed: ${JSON.stringify(upload.error)}`);
  const jobId = upload.data.job_id;

  // 2. Preview: a worker opens the file; columns, CRS, feature count and sample rows come back.
  const preview = await strata.POST('/api/ingest/preview/{job_id}', { params: { path: { job_id: jobId } } });
  if (!preview.data) throw new Error(`preview failed: ${JSON.stringify(preview.error)}`);
  process.stdout.write(
    `${preview.data.layer_name}: ${preview.data.feature_count} features, EPSG:${preview.data.crs}\n`,
  );

  // 3. Commit: a worker loads the layer into PostGIS.
  const commit = await strata.POST('/api/ingest/commit/{job_id}', {
    params: { path: { job_id: jobId } },
    body: { title },
  });
  if (!commit.data) throw new Error(`commit failed: ${JSON.stringify(commit.error)}`);

  // 4. Poll until the job is terminal, then read the dataset it made.
  const job = await waitForJob(strata, jobId);
  if (job.status !== 'completed' || !job.dataset_id) throw new Error(`job ended ${job.status}: ${job.error?.message}`);
  const dataset = await strata.GET('/api/datasets/{id}', { params: { path: { id: job.dataset_id } } });
  if (!dataset.data) throw new Error(`dataset lookup failed: ${JSON.stringify(dataset.error)}`);
  return dataset.data;
}

// Run as a program (after `npm run build` in clients/typescript):
//   STRATA_TOKEN=… STRATA_URL=http://127.0.0.1:3000 node dist/examples/upload-preview-commit.js <file>
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [path] = process.argv.slice(2);
  const { STRATA_URL = 'http://127.0.0.1:3000', STRATA_TOKEN } = process.env;
  if (!path || !STRATA_TOKEN) throw new Error('usage: STRATA_TOKEN=… upload-preview-commit <file>');
  const dataset = await uploadPreviewCommit(STRATA_URL, STRATA_TOKEN, path, basename(path));
  process.stdout.write(`dataset ${dataset.id}: ${dataset.table_name}, ${dataset.feature_count} features\n`);
}

// A typed client for Strata's HTTP API: openapi-fetch over the types generated from openapi.json, so
// every path, parameter, body and response is checked by the compiler against the server's contract.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export type StrataClient = Client<paths>;
export type Job = components['schemas']['JobResponseDto'];

export interface StrataClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the gateway listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** An API token (`npm run cli -- token:create …`). Sent as a bearer token on every request. */
  token: string;
}

export function createStrataClient({ baseUrl, token, headers, ...options }: StrataClientOptions): StrataClient {
  return createClient<paths>({
    ...options,
    baseUrl,
    headers: { ...(headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
  });
}

/** Multipart bodies: each field as a form part; a File keeps its name. */
export function formData(body: Record<string, Blob | string | number | boolean | null | undefined>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Blob) form.append(name, value, value instanceof File ? value.name : name);
    else form.append(name, String(value));
  }
  return form;
}

/** Terminal job statuses: polling stops at these. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'fanned_out',
]);

export class StrataClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: unknown,
  ) {
    super(message);
    this.name = 'StrataClientError';
  }
}

/** Polls `GET /api/jobs/{id}` until the job is terminal (or the timeout passes) and returns it. */
export async function waitForJob(
  client: StrataClient,
  id: string,
  { intervalMs = 500, timeoutMs = 10 * 60_000 }: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data, error, response } = await client.GET('/api/jobs/{id}', { params: { path: { id } } });
    if (!data) throw new StrataClientError(`GET /api/jobs/${id} answered ${response.status}`, response.status, error);
    if (TERMINAL_STATUSES.has(data.status)) return data;
    if (Date.now() > deadline) throw new StrataClientError(`job ${id} is still ${data.status}`, 408, null);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

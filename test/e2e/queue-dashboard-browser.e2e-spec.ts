import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { launch, type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_QUEUES } from '@app/queues';
import { Stack, uniqueOwner } from './support/stack.js';

// Debian's `chromium` package (scripts/provision.sh installs it in test mode); no browser is downloaded.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DASHBOARD = '/admin/queues';

// Page-side code is passed as strings: this project compiles without the DOM's types.
/** The page's visible text. */
const textOf = async (page: Page): Promise<string> => String(await page.evaluate('document.body.innerText'));

describe('queue dashboard in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let adminToken: string;
  let uploadToken: string;
  let jobId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: install Debian's chromium package ` +
          '(apt-get install --no-install-recommends chromium, as scripts/provision.sh test does) or set CHROMIUM_PATH',
      );
    }
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` } });
    adminToken = await stack.mintToken(uniqueOwner('operator'), ['admin']);
    uploadToken = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
    // A real job: an upload and its preview, which a worker runs on the preview queue.
    const layer = `dashboard-${randomUUID().slice(0, 8)}`;
    const geojson = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [7, 46] } }],
    };
    const uploaded = await stack.upload(uploadToken, {
      name: `${layer}.geojson`,
      data: Buffer.from(JSON.stringify(geojson)),
    });
    if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.text}`);
    jobId = String(uploaded.body.job_id);
    const preview = await stack.api('POST', `/api/ingest/preview/${jobId}`, { token: uploadToken });
    if (preview.status !== 200) throw new Error(`preview failed: ${preview.text}`);
    // We run as root, where Chromium's sandbox cannot start.
    browser = await launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('lets an admin in through the token exchange, shows every queue, and opens a job with its data', async () => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
      page.on('console', (message) => {
        // bull-board links Google Fonts; the dashboard's CSP refuses third parties on purpose.
        if (message.type() === 'error' && !message.text().includes('fonts.googleapis.com')) {
          problems.push(`console: ${message.text()}`);
        }
      });

      const response = await page.goto(`${stack.baseUrl}${DASHBOARD}?token=${adminToken}`, {
        waitUntil: 'networkidle0',
      });
      expect(response?.status()).toBe(200);
      expect(
        response
          ?.request()
          .redirectChain()
          .map((r) => r.response()?.status()),
      ).toEqual([303]);
      expect(page.url()).toBe(`${stack.baseUrl}${DASHBOARD}`);

      // Every queue, rendered by the UI from the dashboard's API.
      await page.waitForFunction(
        `${JSON.stringify(ALL_QUEUES)}.every((name) =>
          document.querySelector('a[href="${DASHBOARD}/queue/' + name + '"]')?.textContent?.includes(name))`,
        { timeout: 20_000 },
      );
      const overview = await textOf(page);
      for (const name of ALL_QUEUES) expect(overview).toContain(name);

      // The session is a cookie page scripts cannot read.
      expect(await page.evaluate('document.cookie')).toBe('');
      const [cookie] = await page.cookies();
      expect(cookie).toMatchObject({
        name: 'strata_queue_dashboard',
        httpOnly: true,
        sameSite: 'Strict',
        path: DASHBOARD,
      });
      expect(cookie?.value).not.toContain(adminToken.slice(4));

      // The preview's job, from the list of completed ones, with its data.
      await page.goto(`${stack.baseUrl}${DASHBOARD}/queue/preview?status=completed`, { waitUntil: 'networkidle0' });
      const link = `a[href^="${DASHBOARD}/queue/preview/${jobId}-preview-"]`;
      await page.waitForSelector(link, { timeout: 20_000 });
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'networkidle0' }).catch(() => undefined),
        page.click(link),
      ]);
      await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(`jobId:"${jobId}"`)})`, {
        timeout: 20_000,
      });
      expect(page.url()).toMatch(new RegExp(`${DASHBOARD}/queue/preview/${jobId}-preview-[0-9a-f-]{36}`));
      const job = await textOf(page);
      expect(job).toContain('Data');
      expect(job).toContain(`jobId:"${jobId}"`);
      expect(job).toContain('feature_count:1');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a non-admin the 403 problem and no queue names, and gives them no session', async () => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const response = await page.goto(`${stack.baseUrl}${DASHBOARD}?token=${uploadToken}`, { waitUntil: 'load' });
      expect(response?.status()).toBe(403);
      const text = await textOf(page);
      expect(text).toContain('"status":403');
      expect(text).toContain("'admin' capability");
      for (const name of ALL_QUEUES) expect(text).not.toContain(name);
      expect(await page.cookies()).toEqual([]);

      const again = await page.goto(`${stack.baseUrl}${DASHBOARD}`, { waitUntil: 'load' });
      expect(again?.status()).toBe(401);
      const second = await textOf(page);
      for (const name of ALL_QUEUES) expect(second).not.toContain(name);
    } finally {
      await context.close();
    }
  });
});

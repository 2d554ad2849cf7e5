// Renders what the abuse specs observed (.tmp/abuse-results/<name>.json, written by their last run) into
// docs/security.md, between `<!-- abuse-report:<name> -->` and `<!-- /abuse-report:<name> -->`.
// Usage: node scripts/abuse-report.mjs   (after `npm run test:abuse`)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const DOC = 'docs/security.md';
const DIR = '.tmp/abuse-results';

const cell = (c) => {
  if (!c) return '–';
  if (c.expected === 'n/a') return 'n/a';
  return c.ok ? `${c.observed} ✓` : `**${c.observed} ✗** (expected ${c.expected})`;
};
const esc = (text) => String(text).replace(/\|/g, '\\|');

function authMatrix(r) {
  const out = [];
  out.push(
    `Generated from the ${r.openapi_operations} operations of openapi.json (plus the guarded surfaces outside it), run ${r.generated_at.slice(0, 16).replace('T', ' ')} UTC.`,
    'Expected per column: 401 / 401 / 401 / 403 / 403 / 404, each a problem+json without stack, SQL, path or credential',
    '(401 with `WWW-Authenticate: Bearer realm="strata"`; the 404 for another owner identical to the 404 for an id that',
    'does not exist). The scrape-only token has `metrics` alone (the owner\'s own): it is also the token "without the',
    'capability" where an operation needs none but an API token, and only what needs `metrics` answers it, with 200.',
    "Each cell shows the observed status; the Owner column is the control: the owner's own token reads it (reads only).",
    '',
    "| Operation | Needs | No token | Garbage token | Revoked token | Token without the capability | Scrape-only token | Another owner's resource | Owner |",
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const reasons = new Map();
  const note = (reason) => {
    if (!reasons.has(reason)) reasons.set(reason, String.fromCharCode(97 + reasons.size));
    return `n/a (${reasons.get(reason)})`;
  };
  for (const row of r.rows) {
    const cols = ['no_token', 'garbage_token', 'revoked_token', 'lacking_capability', 'scrape_only', 'other_owner'].map(
      (id) => {
        const c = row.cells[id];
        return c?.expected === 'n/a' ? note(c.reason) : cell(c);
      },
    );
    const needs = row.capabilities.length ? row.capabilities.map((c) => `\`${c}\``).join(', ') : 'any API token';
    const where = row.source === 'openapi' ? '' : ' †';
    out.push(
      `| \`${esc(row.operation)}\`${where} | ${needs} | ${cols.join(' | ')} | ${row.control ? `${row.control.observed}` : '–'} |`,
    );
  }
  out.push('', "† Outside openapi.json: the queue dashboard (middleware) and a worker's metrics port.", '');
  for (const [reason, letter] of reasons) out.push(`- (${letter}) ${reason}`);
  out.push('', "Another owner's resource carried in the body of a request on the caller's own resource:", '');
  out.push('| Check | Expected | Observed |', '| --- | --- | --- |');
  for (const b of r.body_owner_checks) out.push(`| ${esc(b.check)} | ${b.expected} | ${cell(b)} |`);
  out.push('', 'Public allow-list (no token needed, each still answering):', '');
  out.push('| Route | Why it is public | Observed |', '| --- | --- | --- |');
  for (const p of r.public)
    out.push(`| \`${esc(p.operation)}\` | ${esc(p.reason)} | ${p.observed}${p.ok ? ' ✓' : ' ✗'} |`);
  return out.join('\n');
}

function ssrf(r) {
  const out = [];
  out.push(
    `Run ${r.generated_at.slice(0, 16).replace('T', ' ')} UTC with \`SSRF_ALLOWLIST=${r.allowlist}\`. Recording listeners on 127.0.0.2, 127.0.0.1`,
    `and [::1] (one port) saw **${r.connections_seen}** connections from the hostile requests. Cells: observed status and the`,
    "guard's rule; `202 → job failed` where a worker fetches the URL later and the job or run fails with the refusal.",
    '',
    'Routes:',
    '',
  );
  for (const [i, route] of r.routes.entries())
    out.push(`${i + 1}. \`${route.label.replace(/`/g, '')}\` — ${route.how}.`);
  out.push('');
  out.push(`| Hostile URL | Expected rule | ${r.routes.map((_, i) => `${i + 1}`).join(' | ')} | Connections |`);
  out.push(`| --- | --- | ${r.routes.map(() => '---').join(' | ')} | --- |`);
  for (const form of r.forms) {
    const cells = r.routes.map((route) => {
      const c = form.cells[route.id];
      if (!c) return 'n/a';
      return c.ok ? `${c.observed} ✓` : `**${c.observed} ✗**`;
    });
    const seen = Object.values(form.cells).reduce((n, c) => n + c.connections, 0);
    out.push(`| ${esc(form.label)} | \`${form.rule}\` | ${cells.join(' | ')} | ${seen} |`);
  }
  out.push(
    '',
    'n/a for the no-allowlist row on routes 4–6: their worker shares the 127.0.0.1 allowlist, which admits every name that',
    'resolves to 127.0.0.1 by design.',
    '',
  );
  out.push('| Operator configuration | Expected | Observed | Connections |', '| --- | --- | --- | --- |');
  for (const o of r.operator)
    out.push(`| ${esc(o.scenario)} | ${esc(o.expected)} | ${esc(o.observed)} | ${o.connections} |`);
  for (const n of r.notes ?? []) out.push('', n);
  return out.join('\n');
}

function hostileFiles(r) {
  const out = [];
  const mib = (bytes) =>
    bytes >= 1024 ** 2
      ? `${(bytes / 1024 ** 2).toFixed(bytes >= 10 * 1024 ** 2 ? 0 : 1)} MiB`
      : bytes >= 1024
        ? `${Math.round(bytes / 1024)} KiB`
        : `${bytes} B`;
  const route = (c) => {
    if (!c) return 'n/a';
    const mark = c.ok ? '✓' : `**✗** (${c.problems.map(esc).join('; ')})`;
    return `${esc(c.observed)} ${mark}`;
  };
  const peak = (c) => {
    const w = c?.memory?.worker;
    return w ? `${w.process} / ${w.children}` : '–';
  };
  const files = r.files.length;
  const routes = r.files.reduce((n, f) => n + (f.upload ? 1 : 0) + (f.importer ? 1 : 0), 0);
  const failing = r.files.filter((f) => (f.upload && !f.upload.ok) || (f.importer && !f.importer.ok)).length;
  out.push(
    `Run ${r.generated_at.slice(0, 16).replace('T', ' ')} UTC: **${files}** generated files, **${routes}** route runs, ${failing === 0 ? 'all as expected' : `**${failing} not as expected**`}.`,
    `Memory caps asserted per file: worker ${r.caps_mib.worker} MiB, its GDAL children together ${r.caps_mib.gdal} MiB, gateway ${r.caps_mib.gateway} MiB.`,
    `Peaks over the whole run: worker ${r.peaks_mib.worker?.process ?? '?'} MiB, GDAL children ${r.peaks_mib.worker?.children ?? '?'} MiB, gateway ${r.peaks_mib.gateway?.process ?? '?'} MiB.`,
    `Connections to the listener every external entity names: **${r.listener_connections}**.`,
    '',
    'Upload: `POST /api/ingest/upload` → `POST /api/ingest/preview/{id}` → `POST /api/ingest/commit/{id}` → the job, where each step is reached.',
    'Importer: `POST /api/v1/ingest/upload/{slug}` → the run. Memory: peak RSS of the worker / its GDAL children during that route, MiB.',
    '',
    '| Scenario | Size | Expected | Upload route (observed) | Memory | Importer (observed) | Memory |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const f of r.files) {
    const expected = [
      f.upload ? `upload: ${f.upload.expected}` : null,
      f.importer ? `importer \`${f.importer.slug}\`: ${f.importer.expected}` : null,
    ]
      .filter(Boolean)
      .join('<br>');
    out.push(
      `| ${esc(f.group)}: ${esc(f.label)} | ${mib(f.size)} | ${esc(expected)} | ${route(f.upload)} | ${f.upload ? peak(f.upload) : '–'} | ${route(f.importer)} | ${f.importer ? peak(f.importer) : '–'} |`,
    );
  }
  out.push(
    '',
    'A WFS whose every XML answer declares external entities (`file:///etc/passwd`, the listener, a parameter entity):',
    '',
  );
  out.push('| Step | Expected | Observed |', '| --- | --- | --- |');
  for (const w of r.wfs)
    out.push(`| \`${esc(w.step)}\` | ${esc(w.expected)} | ${esc(w.observed)} ${w.ok ? '✓' : '✗'} |`);
  out.push('', 'Control jobs (the same worker process, plain GeoJSON):', '');
  for (const c of r.controls) out.push(`- ${c}`);
  return out.join('\n');
}

const RENDERERS = { 'auth-matrix': authMatrix, 'ssrf-routes': ssrf, 'hostile-files': hostileFiles };

let doc = readFileSync(DOC, 'utf8');
for (const [name, render] of Object.entries(RENDERERS)) {
  const file = `${DIR}/${name}.json`;
  if (!existsSync(file)) {
    process.stderr.write(`${file} is missing: run the abuse suite first (npm run test:abuse)\n`);
    process.exitCode = 1;
    continue;
  }
  const open = `<!-- abuse-report:${name} -->`;
  const close = `<!-- /abuse-report:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${open} … ${close} section`);
  const body = render(JSON.parse(readFileSync(file, 'utf8')));
  doc = `${doc.slice(0, start + open.length)}\n\n${body}\n\n${doc.slice(end)}`;
}
writeFileSync(DOC, doc);
process.stdout.write(`updated ${DOC}\n`);

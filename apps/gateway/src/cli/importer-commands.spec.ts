import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImporterCommand } from './importer-commands.js';

function capture(): { text: () => string; write: (s: string) => boolean } {
  let buffer = '';
  return { text: () => buffer, write: (s: string) => ((buffer += s), true) };
}

const scratch = mkdtempSync(join(tmpdir(), 'importer-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function dirWith(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name, 'importers');
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('importers:check', () => {
  it("passes the repository's importers", () => {
    const out = capture();
    const err = capture();
    expect(runImporterCommand('importers:check', ['--dir', 'importers'], out, err)).toBe(0);
    expect(out.text()).toMatch(/^\d+ importers? OK\n$/);
    expect(err.text()).toBe('');
  });

  it('prints one line per problem and exits 1', () => {
    const dir = dirWith('bad', {
      'a.yaml': 'source: {type: upload}\ntarget: {table: t}\nfields: {a: {rules: [nope]}}\n',
      'b.json':
        '{"source": {"type": "upload", "formats": ["csv"]}, "target": {"table": "t"}, "fields": {"a": null}, "chunk_size": 0}',
    });
    const out = capture();
    const err = capture();
    expect(runImporterCommand('importers:check', ['--dir', dir], out, err)).toBe(1);
    const lines = err.text().trimEnd().split('\n');
    expect(lines).toEqual([
      'importers/a.yaml: source.formats: is required for source type upload',
      expect.stringMatching(/^importers\/a\.yaml: fields\.a\.rules\[0\]: unknown rule 'nope'/),
      'importers/b.json: chunk_size: must be >= 1',
    ]);
    expect(out.text()).toBe('');
  });

  it('counts the importers', () => {
    const one = '{"source": {"type": "upload", "formats": ["csv"]}, "target": {"table": "t"}, "fields": {"a": null}}';
    const out = capture();
    expect(
      runImporterCommand(
        'importers:check',
        ['--dir', dirWith('two', { 'a.json': one, 'b.json': one })],
        out,
        capture(),
      ),
    ).toBe(0);
    expect(out.text()).toBe('2 importers OK\n');
  });
});

describe('importers:list', () => {
  it('prints slug, title, source, target and strategy per importer', () => {
    const out = capture();
    expect(runImporterCommand('importers:list', ['--dir', 'importers'], out, capture())).toBe(0);
    expect(out.text()).toContain('stations\tWeather stations\tupload:csv,xlsx\tpublic.stations\tupsert\n');
  });

  it('says so when there are none', () => {
    const out = capture();
    expect(runImporterCommand('importers:list', ['--dir', dirWith('empty', {})], out, capture())).toBe(0);
    expect(out.text()).toBe('no importers\n');
  });
});

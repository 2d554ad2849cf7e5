import type { ImporterDefinition } from '@app/importers';
import type { ImporterGeometryFromDto, ImporterResponseDto } from './dto/importer.response.dto.js';

/** A URL without user info: a file should hold none (the loader refuses it), and the API never shows one. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function geometryFrom(from: NonNullable<ImporterDefinition['geometry']>['from']): ImporterGeometryFromDto {
  if (from.kind === 'xy') return { kind: 'xy', x: from.x, y: from.y };
  if (from.kind === 'wkt') return { kind: 'wkt', wkt: from.field };
  return { kind: 'source' };
}

export function toImporterResponse(d: ImporterDefinition): ImporterResponseDto {
  return {
    slug: d.slug,
    title: d.title,
    source: {
      type: d.source.type,
      formats: d.source.formats,
      overridable: d.source.overridable,
      url: d.source.url === null ? null : withoutCredentials(d.source.url),
      key: d.source.key,
      service: d.source.service && { ...d.source.service, url: withoutCredentials(d.source.service.url) },
      max_size_bytes: d.source.max_size_bytes,
    },
    read: { ...d.read },
    target: { table: `${d.target.schema}.${d.target.table}`, key: d.target.key, create: d.target.create },
    duplicates: { ...d.duplicates },
    fields: d.fields.map((f) => ({
      column: f.column,
      from: f.from,
      type: f.type,
      transforms: f.transforms.map((s) => ({ name: s.name, arg: s.arg })),
      rules: f.rules.map((s) => ({ name: s.name, arg: s.arg })),
    })),
    geometry: d.geometry && { column: d.geometry.column, srid: d.geometry.srid, from: geometryFrom(d.geometry.from) },
    chunk_size: d.chunk_size,
    errors: { ...d.errors },
    rows: { ...d.rows },
    transaction: d.transaction,
  };
}

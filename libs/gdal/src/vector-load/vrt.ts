/**
 * An OGR VRT that exposes one source layer with renamed fields. GDAL streams through it feature by
 * feature, so renaming costs no memory; it is used only when some column needs a name GDAL's own
 * laundering would not give it (a field called `gid` or `geom` collides with ours, `xmin` with a
 * PostgreSQL system column, two fields launder to the same name…).
 */

// gdal-async field type names → the names OGR VRT expects.
const VRT_FIELD_TYPES: Record<string, string> = {
  integer: 'Integer',
  integer64: 'Integer64',
  real: 'Real',
  string: 'String',
  binary: 'Binary',
  date: 'Date',
  time: 'Time',
  datetime: 'DateTime',
  'integer[]': 'IntegerList',
  'integer64[]': 'Integer64List',
  'real[]': 'RealList',
  'string[]': 'StringList',
};

export function vrtFieldType(gdalType: string): string {
  return VRT_FIELD_TYPES[gdalType.toLowerCase()] ?? 'String';
}

export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface VrtLayerSpec {
  sourcePath: string;
  layerName: string;
  openOptions: string[];
  /** Empty: every source field passes through unchanged. */
  fields: { source: string; name: string; type: string }[];
  /** e.g. `wkbMultiPolygon`; `wkbNone` drops the source geometry; null keeps whatever the source says. */
  geometryType: string | null;
}

export function renamingVrt(spec: VrtLayerSpec): string {
  const options = spec.openOptions
    .map((option) => {
      const eq = option.indexOf('=');
      return `<OOI key="${xmlEscape(option.slice(0, eq))}">${xmlEscape(option.slice(eq + 1))}</OOI>`;
    })
    .join('');
  const fields = spec.fields
    .map((f) => `<Field name="${xmlEscape(f.name)}" src="${xmlEscape(f.source)}" type="${vrtFieldType(f.type)}"/>`)
    .join('');
  return [
    '<OGRVRTDataSource>',
    `<OGRVRTLayer name="${xmlEscape(spec.layerName)}">`,
    `<SrcDataSource relativeToVRT="0">${xmlEscape(spec.sourcePath)}</SrcDataSource>`,
    options ? `<OpenOptions>${options}</OpenOptions>` : '',
    `<SrcLayer>${xmlEscape(spec.layerName)}</SrcLayer>`,
    spec.geometryType ? `<GeometryType>${spec.geometryType}</GeometryType>` : '',
    fields,
    '</OGRVRTLayer>',
    '</OGRVRTDataSource>',
  ].join('');
}

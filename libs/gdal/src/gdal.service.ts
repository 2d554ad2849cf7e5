import { Injectable } from '@nestjs/common';
import gdal from 'gdal-async';
import { epsgOf } from './srs.js';
import {
  UnreadableSourceError,
  detectGeometryColumns,
  rasterInspection,
  type Inspection,
  type VectorInspection,
  type VectorLayerSummary,
} from './inspection.js';

export interface GdalInfo {
  version: string;
  /** False when linked against the system GDAL, as deployments must be. */
  bundled: boolean;
  drivers: number;
}

const SAMPLE_ROWS = 5;

/** GDAL's names are "Multi Polygon", "3D Point"…; users expect "MultiPolygon", "Point". */
function geometryTypeName(type: number): string | null {
  if (type === gdal.wkbNone) return null;
  const flat = type & ~(gdal.wkb25DBit as number);
  return gdal.Geometry.getName(flat)
    .replace(/\s+/g, '')
    .replace(/^LineString$/i, 'LineString');
}

function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'year' in value) {
    // gdal-async dates: { year, month, day, hour, minute, second, timezone }
    const d = value as { year: number; month: number; day: number; hour?: number; minute?: number; second?: number };
    const pad = (n: number | undefined): string => String(n ?? 0).padStart(2, '0');
    const date = `${d.year}-${pad(d.month)}-${pad(d.day)}`;
    return d.hour === undefined ? date : `${date}T${pad(d.hour)}:${pad(d.minute)}:${pad(Math.floor(d.second ?? 0))}`;
  }
  if (Array.isArray(value)) return value.map(jsonValue);
  return JSON.stringify(value);
}

/**
 * Typed async facade over gdal-async. Heavy work goes through `*Async` calls (GDAL's thread pool); the
 * synchronous getters used here only read metadata GDAL already holds in memory, and never while an
 * async operation on the same dataset is in flight (that would block the event loop until it ends).
 */
@Injectable()
export class GdalService {
  info(): GdalInfo {
    return { version: gdal.version, bundled: gdal.bundled, drivers: gdal.drivers.count() };
  }

  /**
   * Writes a small raster through GDAL's in-memory driver and reads it back: proves the native binding
   * loads and its thread pool runs work. Returns the sum of the pixels read (expected: n·(n-1)/2·n).
   */
  async roundTrip(size = 16): Promise<number> {
    const ds = await gdal.drivers.get('MEM').createAsync('', size, size, 1, gdal.GDT_Int32);
    try {
      const band = await ds.bands.getAsync(1);
      const data = new Int32Array(size * size).map((_, i) => i % size);
      await band.pixels.writeAsync(0, 0, size, size, data);
      const back = await band.pixels.readAsync(0, 0, size, size);
      let sum = 0;
      for (const v of back) sum += v;
      return sum;
    } finally {
      ds.close();
    }
  }

  /** Opens `path` read-only and describes it; `layerName` picks the vector layer (default: the first). */
  async inspect(path: string, layerName: string | null): Promise<Inspection> {
    let ds: gdal.Dataset;
    try {
      ds = await gdal.openAsync(path, 'r');
    } catch {
      throw new UnreadableSourceError('unreadable', 'The file could not be read as a supported geospatial format.');
    }
    try {
      const layerCount = await ds.layers.countAsync();
      if (layerCount > 0) return await this.inspectVector(ds, layerCount, layerName);
      const size = await ds.rasterSizeAsync;
      if (size.x > 0 && size.y > 0 && (await ds.bands.countAsync()) > 0) {
        if (layerName) throw new UnreadableSourceError('unknown-layer', 'A raster has no layers; omit layer_name.');
        const info = JSON.parse(await gdal.infoAsync(ds, ['-json'])) as Parameters<typeof rasterInspection>[0];
        return rasterInspection(info, epsgOf(await ds.srsAsync));
      }
      throw new UnreadableSourceError('empty', 'The file holds no vector layers and no raster bands.');
    } catch (error) {
      if (error instanceof UnreadableSourceError) throw error;
      throw new UnreadableSourceError('unreadable', 'The file could not be read as a supported geospatial format.');
    } finally {
      ds.close();
    }
  }

  private async inspectVector(ds: gdal.Dataset, count: number, wanted: string | null): Promise<VectorInspection> {
    const layers: gdal.Layer[] = [];
    for (let i = 0; i < count; i += 1) layers.push(await ds.layers.getAsync(i));
    const summaries: VectorLayerSummary[] = [];
    for (const layer of layers) {
      summaries.push({
        name: layer.name,
        feature_count: await layer.features.countAsync(true),
        field_count: layer.fields.count(),
        geometry_type: geometryTypeName(layer.geomType),
      });
    }
    const layer = wanted ? layers.find((l) => l.name === wanted) : layers[0];
    if (!layer) {
      const available = summaries.map((s) => s.name);
      throw new UnreadableSourceError('unknown-layer', `The file has no layer named '${wanted ?? ''}'.`, {
        unknown_layers: [wanted],
        available_layers: available,
      });
    }
    const columns = layer.fields.map((f) => ({ name: f.name, type: f.type }));
    const sample_rows: Record<string, unknown>[] = [];
    for (
      let feature = await layer.features.firstAsync();
      feature && sample_rows.length < SAMPLE_ROWS;
      feature = await layer.features.nextAsync()
    ) {
      const row: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(feature.fields.toObject() as Record<string, unknown>))
        row[name] = jsonValue(value);
      const geometry = feature.getGeometry();
      if (geometry) row.geometry = geometry.toWKT();
      sample_rows.push(row);
    }
    const geometryType = geometryTypeName(layer.geomType);
    const summary = summaries[layers.indexOf(layer)];
    return {
      kind: 'vector',
      driver: ds.driver.description,
      layer_name: layer.name,
      layers: summaries,
      columns,
      crs: epsgOf(layer.srs),
      geometry_type: geometryType,
      feature_count: summary?.feature_count ?? null,
      sample_rows,
      detected_geometry_columns: geometryType ? null : detectGeometryColumns(columns.map((c) => c.name)),
    };
  }
}

import gdal from 'gdal-async';
import type { LayerExportResult } from '@app/contracts';
import { UnreadableSourceError } from './inspection.js';
import { isRemoteFailure } from './remote-errors.js';
import { epsgOf } from './srs.js';

export interface LayerExportRequest {
  /** GDAL-readable path: a local file, `/vsizip/…` for a zipped shapefile. */
  sourcePath: string;
  /** Null: the first layer. */
  layerName: string | null;
  /** The GeoJSONSeq file to write (must not exist). */
  outputPath: string;
  /** Told the layer's feature count (GDAL's) before the features are read: a remote read takes a while. */
  onTotal?: (features: number) => void;
}

const UNREADABLE = 'The file could not be read as a supported geospatial format.';

/**
 * Writes one layer as newline-delimited GeoJSON features: properties and geometry, in the layer's own
 * CRS. GeoJSONSeq would reproject to WGS84 whenever the output layer has a CRS, so the output gets none
 * (`-a_srs NONE`): the coordinates stay as they are, and the EPSG code goes back in the result instead.
 */
export async function exportLayer(req: LayerExportRequest): Promise<LayerExportResult> {
  let ds: gdal.Dataset;
  try {
    ds = await gdal.openAsync(req.sourcePath, 'r');
  } catch (error) {
    if (isRemoteFailure(error)) throw error;
    throw new UnreadableSourceError('unreadable', UNREADABLE);
  }
  try {
    const count = await ds.layers.countAsync();
    if (count === 0) throw new UnreadableSourceError('empty', 'The file holds no vector layers.');
    const layers: gdal.Layer[] = [];
    for (let i = 0; i < count; i += 1) layers.push(await ds.layers.getAsync(i));
    const layer = req.layerName === null ? layers[0] : layers.find((l) => l.name === req.layerName);
    if (!layer) {
      throw new UnreadableSourceError('unknown-layer', `The file has no layer named '${req.layerName ?? ''}'.`, {
        available_layers: layers.map((l) => l.name),
      });
    }
    const fields = layer.fields.map((field) => ({ name: field.name, type: field.type }));
    const features = await layer.features.countAsync(true);
    req.onTotal?.(features);
    const out = await gdal.vectorTranslateAsync(req.outputPath, ds, [
      '-f',
      'GeoJSONSeq',
      '-a_srs',
      'NONE',
      // GeoJSONSeq's default of 7 decimals would round projected and geographic coordinates alike.
      '-lco',
      'COORDINATE_PRECISION=15',
      layer.name,
    ]);
    await out.flushAsync();
    out.close();
    return { layer: layer.name, epsg: epsgOf(layer.srs), fields, features };
  } catch (error) {
    if (error instanceof UnreadableSourceError || isRemoteFailure(error)) throw error;
    throw new UnreadableSourceError('unreadable', UNREADABLE);
  } finally {
    ds.close();
  }
}

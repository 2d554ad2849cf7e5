import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** One layer of the generated GeoPackage: `count` points in EPSG:4326, lon 15..15.1, lat 45..45.5. */
export interface SitesLayer {
  name: string;
  count: number;
  /**
   * Served from the GeoPackage through OGR, which MapServer can sort (WFS 2.0 SORTBY); shapefile layers
   * answer a SORTBY with an exception. MapServer's OGC API paging does not work on OGR layers.
   */
  sortable?: boolean;
}

/** The coordinates of point `i` (1-based id), so tests can check axis order against the source. */
export function siteLonLat(i: number, count: number): [number, number] {
  return [15 + (0.1 * i) / count, 45 + (0.5 * i) / count];
}

/** Writes `dir/sites.gpkg` and one shapefile per layer with the given points (ogr2ogr from CSV). */
export async function writeSitesGeoPackage(root: string, layers: SitesLayer[]): Promise<string> {
  // One directory per layer set, so a cached GeoPackage always holds the layers asked for.
  const dir = join(root, layers.map((l) => `${l.name}-${l.count}`).join('_'));
  const gpkg = join(dir, 'sites.gpkg');
  if (existsSync(gpkg)) return gpkg;
  await mkdir(dir, { recursive: true });
  for (const layer of layers) {
    const lines = ['id,name,kind,depth,lon,lat'];
    for (let i = 1; i <= layer.count; i++) {
      const [lon, lat] = siteLonLat(i, layer.count);
      lines.push(`${i},site ${i},${i % 3 === 0 ? 'well' : 'spring'},${(i * 0.25).toFixed(2)},${lon},${lat}`);
    }
    const csv = join(dir, `${layer.name}.csv`);
    await writeFile(csv, `${lines.join('\n')}\n`);
    await execFileAsync('ogr2ogr', [
      '-f',
      'GPKG',
      ...(existsSync(`${gpkg}.tmp`) ? ['-update'] : []),
      `${gpkg}.tmp`,
      csv,
      '-oo',
      'X_POSSIBLE_NAMES=lon',
      '-oo',
      'Y_POSSIBLE_NAMES=lat',
      '-oo',
      'AUTODETECT_TYPE=YES',
      '-a_srs',
      'EPSG:4326',
      '-nln',
      layer.name,
      '-nlt',
      'POINT',
      '-sql',
      `SELECT id, name, kind, depth FROM "${layer.name}"`,
    ]);
  }
  // MapServer serves shapefiles natively; its OGC API paging (offset) does not work on OGR layers.
  for (const layer of layers) {
    await execFileAsync('ogr2ogr', ['-f', 'ESRI Shapefile', join(dir, `${layer.name}.shp`), `${gpkg}.tmp`, layer.name]);
  }
  await execFileAsync('mv', [`${gpkg}.tmp`, gpkg]);
  return gpkg;
}

function mapfile(port: number, gpkg: string, layers: SitesLayer[]): string {
  const base = `http://127.0.0.1:${port}/mapserv/geo`;
  const layerBlocks = layers
    .map(
      (l) => `
  LAYER
    NAME "${l.name}"
    TYPE POINT
    STATUS ON
    ${
      l.sortable
        ? `CONNECTIONTYPE OGR\n    CONNECTION "${gpkg}"\n    DATA "${l.name}"`
        : `DATA "${join(dirname(gpkg), l.name)}"`
    }
    TEMPLATE "dummy"
    PROJECTION "init=epsg:4326" END
    METADATA
      "ows_title" "${l.name} (points)"
      "ows_abstract" "Generated test points"
      "ows_srs" "EPSG:4326"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
      "gml_geometries" "geom"
      "gml_geom_type" "point"
      "wfs_enable_request" "*"
      "oga_enable_request" "*"
    END
  END`,
    )
    .join('');
  return `MAP
  NAME "geo"
  EXTENT -180 -90 180 90
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "ows_title" "Strata test services"
      "ows_enable_request" "*"
      "ows_srs" "EPSG:4326"
      "ows_onlineresource" "${base}?"
      "wfs_onlineresource" "${base}?"
      "oga_onlineresource" "${base}/ogcapi"
      "wfs_getfeature_formatlist" "gml3,geojson"
    END
  END${layerBlocks}
END
`;
}

/**
 * MapServer 8 (`mapserv`, Debian mapserver-bin) behind a small CGI host on 127.0.0.1: WFS 1.0/1.1/2.0 at
 * `/mapserv/geo` and OGC API Features at `/mapserv/geo/ogcapi`. One mapserv process per request, like
 * a plain CGI deployment. `requests` records every path+query it served.
 */
export class MapServerHost {
  readonly requests: string[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly dir: string,
    private readonly layers: SitesLayer[],
  ) {}

  get wfsUrl(): string {
    return `http://127.0.0.1:${this.port}/mapserv/geo`;
  }

  get oapifUrl(): string {
    return `http://127.0.0.1:${this.port}/mapserv/geo/ogcapi`;
  }

  async start(): Promise<this> {
    const dir = resolve(this.dir);
    const gpkg = await writeSitesGeoPackage(dir, this.layers);
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.handle(req, dir)
        .then(({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    const mapPath = join(dir, `geo-${this.port}.map`);
    await writeFile(mapPath, mapfile(this.port, gpkg, this.layers));
    await writeFile(
      join(dir, `mapserver-${this.port}.conf`),
      `CONFIG\n  ENV\n    MS_MAP_PATTERN "^${dir}/"\n  END\n  MAPS\n    "geo" "${mapPath}"\n  END\nEND\n`,
    );
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((ok) => (this.server ? this.server.close(ok) : ok(undefined)));
  }

  private handle(
    req: IncomingMessage,
    dir: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const isWfs = url.pathname === '/mapserv/geo' || url.pathname === '/mapserv/geo/';
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      MAPSERVER_CONFIG_FILE: join(dir, `mapserver-${this.port}.conf`),
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: isWfs ? `map=geo&${url.search.slice(1)}` : url.search.slice(1),
      SCRIPT_NAME: '/mapserv',
      PATH_INFO: isWfs ? '' : url.pathname.slice('/mapserv'.length),
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(this.port),
      HTTP_HOST: req.headers.host ?? `127.0.0.1:${this.port}`,
      SERVER_PROTOCOL: 'HTTP/1.1',
      HTTP_ACCEPT: req.headers.accept ?? '*/*',
    };
    return new Promise((ok, fail) => {
      const child = spawn('mapserv', [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.resume();
      child.on('error', fail);
      child.on('close', () => {
        const all = Buffer.concat(out);
        let split = all.indexOf('\r\n\r\n');
        let sep = 4;
        if (split < 0) {
          split = all.indexOf('\n\n');
          sep = 2;
        }
        if (split < 0) return ok({ status: 502, headers: {}, body: all });
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of all.subarray(0, split).toString().split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          if (name === 'status') status = Number.parseInt(value, 10) || 200;
          else headers[name] = value;
        }
        ok({ status, headers, body: all.subarray(split + sep) });
      });
    });
  }
}

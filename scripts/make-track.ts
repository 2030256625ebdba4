// Writes a fixture drive as NMEA (RMC + GGA at 1 Hz) along a GeoJSON LineString: tsx scripts/make-track.ts line.geojson --speed-kmh 30
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trackToNmea } from '../agent/core/gps/nmea.ts';

const usage = 'usage: tsx scripts/make-track.ts <linestring.geojson> [--speed-kmh 30] [--start 2025-06-02T08:00:00Z] > drive.nmea';

function lineOf(geojson: unknown): Array<[number, number]> {
  const g = geojson as { type?: string; geometry?: unknown; features?: unknown[]; coordinates?: unknown };
  if (g.type === 'Feature') return lineOf(g.geometry);
  if (g.type === 'FeatureCollection' && g.features?.length === 1) return lineOf(g.features[0]);
  if (g.type !== 'LineString' || !Array.isArray(g.coordinates)) throw new Error('expected a GeoJSON LineString (or a Feature of one)');
  return g.coordinates.map((c: unknown, i: number) => {
    if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number') throw new Error(`coordinate ${i} is not [lon, lat]`);
    return [c[0], c[1]];
  });
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'speed-kmh': { type: 'string', default: '30' },
      start: { type: 'string', default: '2025-06-02T08:00:00Z' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(`${usage}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const speedKmh = Number(values['speed-kmh']);
  const startMs = Date.parse(values.start);
  if (!(speedKmh > 0)) throw new Error(`--speed-kmh must be a positive number, got ${values['speed-kmh']}`);
  if (Number.isNaN(startMs)) throw new Error(`--start is not a date: ${values.start}`);
  const line = lineOf(JSON.parse(readFileSync(positionals[0]!, 'utf8')));
  const { text, fixes } = trackToNmea(line, speedKmh, startMs);
  process.stdout.write(text);
  process.stderr.write(`${fixes} fixes at ${speedKmh} km/h\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`make-track: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

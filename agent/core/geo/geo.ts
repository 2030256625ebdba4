// Geometry on the earth: is a position inside a task area, and how far apart are two positions.
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import distance from '@turf/distance';
import type { MultiPolygon, Polygon } from 'geojson';

export type Area = Polygon | MultiPolygon;

export interface LonLat {
  readonly lon: number;
  readonly lat: number;
}

/** True when the position lies inside the area; a position on the border counts as outside. */
export function insideArea(position: LonLat, area: Area): boolean {
  return booleanPointInPolygon([position.lon, position.lat], area, { ignoreBoundary: true });
}

export function distanceM(a: LonLat, b: LonLat): number {
  return distance([a.lon, a.lat], [b.lon, b.lat], { units: 'meters' });
}

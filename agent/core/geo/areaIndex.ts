// A spatial index over task areas: bounding boxes in flatbush, then exact point-in-polygon and the distance to the
// border, so a fix whose error circle reaches outside counts as outside.
import Flatbush from 'flatbush';
import { insideArea, type Area, type LonLat } from './geo.ts';

const METRES_PER_DEGREE_LAT = 111_320;

export interface AreaHit<T> {
  readonly item: T;
  /** Metres from the position to the area's border (0 on it). */
  readonly borderDistanceM: number;
  readonly inside: boolean;
}

interface Entry<T> {
  readonly item: T;
  readonly area: Area;
}

export class AreaIndex<T> {
  private readonly entries: Entry<T>[];
  private readonly index: Flatbush | null;

  constructor(items: readonly { item: T; area: Area }[]) {
    this.entries = items.map(({ item, area }) => ({ item, area }));
    if (this.entries.length === 0) {
      this.index = null;
      return;
    }
    const index = new Flatbush(this.entries.length);
    for (const { area } of this.entries) {
      const [minX, minY, maxX, maxY] = bbox(area);
      index.add(minX, minY, maxX, maxY);
    }
    index.finish();
    this.index = index;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Areas whose border is within `radiusM` of the position, or that contain it. */
  near(position: LonLat, radiusM: number): AreaHit<T>[] {
    if (this.index === null) return [];
    const dLat = radiusM / METRES_PER_DEGREE_LAT;
    const dLon = radiusM / (METRES_PER_DEGREE_LAT * Math.cos((position.lat * Math.PI) / 180));
    const hits: AreaHit<T>[] = [];
    for (const i of this.index.search(position.lon - dLon, position.lat - dLat, position.lon + dLon, position.lat + dLat)) {
      const entry = this.entries[i]!;
      const inside = insideArea(position, entry.area);
      const borderDistanceM = distanceToBorderM(position, entry.area);
      if (inside || borderDistanceM <= radiusM) hits.push({ item: entry.item, inside, borderDistanceM });
    }
    return hits;
  }

  /** Areas that hold the whole error circle of radius `errorM` around the position. */
  containing(position: LonLat, errorM: number): T[] {
    return this.near(position, 0)
      .filter((hit) => hit.inside && hit.borderDistanceM >= errorM)
      .map((hit) => hit.item);
  }
}

function rings(area: Area): number[][][] {
  return area.type === 'Polygon' ? area.coordinates : area.coordinates.flat();
}

function bbox(area: Area): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings(area)) {
    for (const [x, y] of ring) {
      minX = Math.min(minX, x!);
      minY = Math.min(minY, y!);
      maxX = Math.max(maxX, x!);
      maxY = Math.max(maxY, y!);
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Shortest distance in metres from the position to any ring edge, on a local flat projection around the position. */
export function distanceToBorderM(position: LonLat, area: Area): number {
  const kx = METRES_PER_DEGREE_LAT * Math.cos((position.lat * Math.PI) / 180);
  const ky = METRES_PER_DEGREE_LAT;
  let best = Infinity;
  for (const ring of rings(area)) {
    for (let i = 1; i < ring.length; i++) {
      const ax = (ring[i - 1]![0]! - position.lon) * kx;
      const ay = (ring[i - 1]![1]! - position.lat) * ky;
      const bx = (ring[i]![0]! - position.lon) * kx;
      const by = (ring[i]![1]! - position.lat) * ky;
      best = Math.min(best, distanceToSegment(ax, ay, bx, by));
    }
  }
  return best;
}

/** Distance from the origin to the segment a–b. */
function distanceToSegment(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSq = dx * dx + dy * dy;
  const t = lengthSq === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / lengthSq));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

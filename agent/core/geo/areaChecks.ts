// Checks on a task area that a schema cannot express: vertex budget, self-intersection, holes that lie inside their
// own outer ring and apart from each other, and the area really covered on the earth.
import Flatbush from 'flatbush';
import pointInPolygon from 'point-in-polygon-hao';
import { union } from 'polyclip-ts';
import { firstCrossing, type Position, type Ring } from './selfIntersection.ts';

export type { Position, Ring } from './selfIntersection.ts';
/** A polygon as GeoJSON nests it: outer ring first, then holes. */
export type PolygonRings = readonly Ring[];

export const MAX_AREA_VERTICES = 10_000;
const EARTH_RADIUS_M = 6_371_008.8;
/** A ring whose first this many positions all lie on another ring's border is taken to lie along it. */
const DECISIVE_TRIES = 8;

export interface AreaProblem {
  /** Path below `area.coordinates`, e.g. [0, 2] for ring 2 of polygon 0. */
  readonly path: readonly number[];
  readonly message: string;
}

export function countVertices(polygons: readonly PolygonRings[]): number {
  let n = 0;
  for (const rings of polygons) for (const ring of rings) n += ring.length;
  return n;
}

/**
 * Everything that makes a polygon's rings not describe a clean area: crossing edges (within a ring or between rings),
 * a hole outside its outer ring, holes that overlap. At most one problem per polygon, to stay readable.
 */
export function findRingProblems(polygons: readonly PolygonRings[]): AreaProblem[] {
  const problems: AreaProblem[] = [];
  polygons.forEach((rings, p) => {
    const problem = ringProblem(rings);
    if (problem !== null) problems.push({ path: [p, ...problem.path], message: problem.message });
  });
  return problems;
}

function ringProblem(rings: PolygonRings): AreaProblem | null {
  const crossing = firstCrossing(rings);
  if (crossing !== null) {
    const [a, b] = crossing;
    const where = a.ring === b.ring ? `ring ${a.ring}` : `rings ${a.ring} and ${b.ring}`;
    return {
      path: [a.ring],
      message: `the area intersects itself: in ${where}, the edge after position ${a.index} crosses the edge after position ${b.index}`,
    };
  }
  const [outer, ...holes] = rings;
  if (outer === undefined || holes.length === 0) return null;
  // No edges cross, so each hole lies wholly inside or wholly outside the outer ring (touching allowed), and two
  // holes are apart, touching, or one inside the other: one vertex off the other's border tells which.
  for (let h = 0; h < holes.length; h++) {
    const side = sideOf(holes[h]!, outer);
    if (side !== 'inside') {
      return {
        path: [h + 1],
        message:
          side === 'outside'
            ? `hole ${h + 1} lies outside its outer ring; a hole must lie inside the ring it is cut from`
            : `hole ${h + 1} lies along its outer ring; a hole must lie inside the ring it is cut from`,
      };
    }
  }
  const boxes = holes.map(bboxOf);
  const index = new Flatbush(holes.length);
  for (const [minX, minY, maxX, maxY] of boxes) index.add(minX, minY, maxX, maxY);
  index.finish();
  for (let a = 0; a < holes.length; a++) {
    const [minX, minY, maxX, maxY] = boxes[a]!;
    for (const b of index.search(minX, minY, maxX, maxY)) {
      if (b === a) continue;
      const [bMinX, bMinY, bMaxX, bMaxY] = boxes[b]!;
      // Only a hole whose box holds this one's box can hold this one.
      if (bMinX > minX || bMinY > minY || bMaxX < maxX || bMaxY < maxY) continue;
      if (sideOf(holes[a]!, holes[b]!) !== 'outside') {
        return { path: [a + 1], message: `holes ${Math.min(a, b) + 1} and ${Math.max(a, b) + 1} overlap; holes must not overlap` };
      }
    }
  }
  return null;
}

/** Where `ring` lies against `other`, given that their edges do not cross: judged by its first vertex off the border. */
function sideOf(ring: Ring, other: Ring): 'inside' | 'outside' | 'along' {
  const polygon = [other as number[][]];
  for (let i = 0; i < Math.min(ring.length - 1, DECISIVE_TRIES); i++) {
    const where = pointInPolygon([ring[i]![0]!, ring[i]![1]!], polygon);
    if (where === true) return 'inside';
    if (where === false) return 'outside';
  }
  return 'along';
}

function bboxOf(ring: Ring): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of ring) {
    minX = Math.min(minX, p[0]!);
    minY = Math.min(minY, p[1]!);
    maxX = Math.max(maxX, p[0]!);
    maxY = Math.max(maxY, p[1]!);
  }
  return [minX, minY, maxX, maxY];
}

/** Area of a ring on a spherical earth, m² (unsigned). */
function ringAreaM2(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [lon1, lat1] = ring[i]!;
    const [lon2, lat2] = ring[i + 1]!;
    sum += toRad(lon2! - lon1!) * (2 + Math.sin(toRad(lat1!)) + Math.sin(toRad(lat2!)));
  }
  return Math.abs((sum * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

/** Outer ring minus holes; meaningful for a polygon whose rings passed findRingProblems. */
function polygonAreaM2([outer, ...holes]: PolygonRings): number {
  if (outer === undefined) return 0;
  let m2 = ringAreaM2(outer);
  for (const hole of holes) m2 -= ringAreaM2(hole);
  return Math.max(0, m2);
}

/**
 * Area covered by the polygons, km²: a place covered by two parts of a MultiPolygon counts once. Parts whose boxes
 * do not overlap are summed; where any do, the parts are merged first (polyclip-ts, a sweep-line polygon union).
 * Expects polygons that passed findRingProblems.
 */
export function areaKm2(polygons: readonly PolygonRings[]): number {
  const parts = polygons.filter((p) => p.length > 0);
  const sum = (ps: readonly PolygonRings[]) => ps.reduce((m2, p) => m2 + polygonAreaM2(p), 0);
  if (parts.length < 2 || !anyBoxesOverlap(parts.map((p) => bboxOf(p[0]!)))) return sum(parts) / 1e6;
  const flat = parts.map((rings) => rings.map((ring) => ring.map((p) => [p[0]!, p[1]!] as [number, number])));
  const merged = union(flat[0]!, ...flat.slice(1));
  return sum(merged) / 1e6;
}

function anyBoxesOverlap(boxes: readonly [number, number, number, number][]): boolean {
  const index = new Flatbush(boxes.length);
  for (const [minX, minY, maxX, maxY] of boxes) index.add(minX, minY, maxX, maxY);
  index.finish();
  return boxes.some(([minX, minY, maxX, maxY], i) => index.search(minX, minY, maxX, maxY).some((j) => j !== i));
}

function toRad(deg: number): number {
  return (deg * Math.PI) / 180;
}

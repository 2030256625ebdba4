// Checks on a task area that a schema cannot express: vertex budget, self-intersection, and its size on the earth.
import Flatbush from 'flatbush';

export type Position = readonly number[];
export type Ring = readonly Position[];
/** A polygon as GeoJSON nests it: outer ring first, then holes. */
export type PolygonRings = readonly Ring[];

export const MAX_AREA_VERTICES = 10_000;
const EARTH_RADIUS_M = 6_371_008.8;

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

/** Crossing edges within a ring or between rings of one polygon; at most one problem per polygon, to stay readable. */
export function findSelfIntersections(polygons: readonly PolygonRings[]): AreaProblem[] {
  const problems: AreaProblem[] = [];
  polygons.forEach((rings, p) => {
    const crossing = firstCrossing(rings);
    if (crossing !== null) {
      const [a, b] = crossing;
      const where = a.ring === b.ring ? `ring ${a.ring}` : `rings ${a.ring} and ${b.ring}`;
      problems.push({
        path: [p, a.ring],
        message: `the area intersects itself: in ${where}, the edge after position ${a.index} crosses the edge after position ${b.index}`,
      });
    }
  });
  return problems;
}

interface Edge {
  readonly ring: number;
  readonly index: number;
  readonly a: Position;
  readonly b: Position;
}

function firstCrossing(rings: PolygonRings): [Edge, Edge] | null {
  const edges: Edge[] = [];
  const cleaned = rings.map(withoutRepeats);
  cleaned.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++) edges.push({ ring: r, index: i, a: ring[i]!, b: ring[i + 1]! });
  });
  if (edges.length < 2) return null;
  // A spatial index keeps this near O(n log n): 10,000 vertices would be 50 million pairs by brute force.
  const index = new Flatbush(edges.length);
  for (const e of edges) {
    index.add(Math.min(e.a[0]!, e.b[0]!), Math.min(e.a[1]!, e.b[1]!), Math.max(e.a[0]!, e.b[0]!), Math.max(e.a[1]!, e.b[1]!));
  }
  index.finish();
  const ringLength = cleaned.map((r) => r.length - 1);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const candidates = index.search(
      Math.min(e.a[0]!, e.b[0]!),
      Math.min(e.a[1]!, e.b[1]!),
      Math.max(e.a[0]!, e.b[0]!),
      Math.max(e.a[1]!, e.b[1]!),
    );
    for (const j of candidates) {
      if (j <= i) continue;
      const f = edges[j]!;
      if (f.ring === e.ring) {
        const n = ringLength[e.ring]!;
        const adjacent = f.index - e.index === 1 || (e.index === 0 && f.index === n - 1);
        // Neighbours share a vertex by construction; they are wrong only when they fold back onto each other.
        if (adjacent ? foldsBack(e, f) : segmentsTouch(e.a, e.b, f.a, f.b)) return [e, f];
      } else if (segmentsCross(e.a, e.b, f.a, f.b)) {
        // A hole may touch its outer ring at a point, but not cross it.
        return [e, f];
      }
    }
  }
  return null;
}

/** The ring without a position repeated right after itself (a zero-length edge is harmless, but confuses the test). */
function withoutRepeats(ring: Ring): Ring {
  return ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1]);
}

function orient(p: Position, q: Position, r: Position): number {
  const v = (q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(p: Position, q: Position, r: Position): boolean {
  return (
    Math.min(p[0]!, r[0]!) <= q[0]! && q[0]! <= Math.max(p[0]!, r[0]!) && Math.min(p[1]!, r[1]!) <= q[1]! && q[1]! <= Math.max(p[1]!, r[1]!)
  );
}

/** Any common point, including touching ends and collinear overlap. */
function segmentsTouch(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a, c, b)) ||
    (o2 === 0 && onSegment(a, d, b)) ||
    (o3 === 0 && onSegment(c, a, d)) ||
    (o4 === 0 && onSegment(c, b, d))
  );
}

/** A proper crossing: each segment has the other's ends strictly on both sides. */
function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 * o2 < 0 && o3 * o4 < 0;
}

/** Two consecutive edges that run back along each other (a spike of zero width). */
function foldsBack(e: Edge, f: Edge): boolean {
  const [shared, p, q] = e.b === f.a ? [e.b, e.a, f.b] : [e.a, e.b, f.a];
  if (orient(p, shared, q) !== 0) return false;
  const dot = (p[0]! - shared[0]!) * (q[0]! - shared[0]!) + (p[1]! - shared[1]!) * (q[1]! - shared[1]!);
  return dot > 0;
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

/** Area covered by the polygons (outer rings minus holes), km². */
export function areaKm2(polygons: readonly PolygonRings[]): number {
  let m2 = 0;
  for (const [outer, ...holes] of polygons) {
    if (outer === undefined) continue;
    m2 += ringAreaM2(outer);
    for (const hole of holes) m2 -= ringAreaM2(hole);
  }
  return Math.max(0, m2) / 1e6;
}

function toRad(deg: number): number {
  return (deg * Math.PI) / 180;
}

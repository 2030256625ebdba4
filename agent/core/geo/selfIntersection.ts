// Whether the edges of a polygon's rings cross or touch where they must not: a Shamos–Hoey sweep line, O(n log n).
//
// The sweep visits edge end points from west to east and keeps the edges under the sweep line in a splay tree,
// ordered from south to north. Two edges that meet somewhere are neighbours in that order just before the first
// meeting point, so only neighbours need testing: an edge when it enters (against its two neighbours) and the two
// edges that become neighbours when one leaves. No edge pairs are enumerated, so a zigzag whose edge boxes all overlap
// costs the same as any other shape of its size. The sweep stops at the first forbidden meeting.
import SplayTree from 'splaytree';

export type Position = readonly number[];
export type Ring = readonly Position[];

export interface EdgeRef {
  readonly ring: number;
  /** The edge runs from position `index` to position `index + 1` of its ring (repeated positions left out). */
  readonly index: number;
}

interface Edge extends EdgeRef {
  readonly id: number;
  readonly a: Position;
  readonly b: Position;
  /** The end met first by the sweep (smaller x, then smaller y), and the other. */
  readonly left: Position;
  readonly right: Position;
}

/**
 * The first pair of edges that meet where a valid polygon may not: edges of one ring that touch other than as
 * neighbours sharing their vertex (or that fold back onto each other), or edges of two rings that properly cross
 * (a hole may touch its outer ring at a point). Null when there is none.
 */
export function firstCrossing(rings: readonly Ring[]): [EdgeRef, EdgeRef] | null {
  const edges: Edge[] = [];
  const ringEdges: number[] = [];
  rings.forEach((raw, r) => {
    const ring = withoutRepeats(raw);
    ringEdges.push(Math.max(0, ring.length - 1));
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      const [left, right] = lexCompare(a, b) <= 0 ? [a, b] : [b, a];
      edges.push({ id: edges.length, ring: r, index: i, a, b, left, right });
    }
  });
  if (edges.length < 2) return null;

  // Events: 2·id for an edge entering at its left end, 2·id + 1 for it leaving at its right end. At one point,
  // entering comes before leaving, so edges of one ring that only touch there still meet in the sweep.
  const events = Array.from({ length: edges.length * 2 }, (_, i) => i);
  const pointOf = (event: number) => (event & 1 ? edges[event >> 1]!.right : edges[event >> 1]!.left);
  events.sort((x, y) => lexCompare(pointOf(x), pointOf(y)) || (x & 1) - (y & 1) || x - y);

  const forbidden = (e: Edge, f: Edge): boolean => {
    if (e.ring !== f.ring) return segmentsCross(e.a, e.b, f.a, f.b);
    const n = ringEdges[e.ring]!;
    const [lo, hi] = e.index < f.index ? [e, f] : [f, e];
    const neighbours = hi.index - lo.index === 1 || (lo.index === 0 && hi.index === n - 1);
    return neighbours ? foldsBack(lo, hi, n) : segmentsTouch(e.a, e.b, f.a, f.b);
  };

  const tree = new SplayTree<Edge, null>(compareEdges);
  for (const event of events) {
    const edge = edges[event >> 1]!;
    if ((event & 1) === 0) {
      const node = tree.insert(edge, null);
      for (const other of [tree.prev(node), tree.next(node)]) {
        if (other !== null && forbidden(edge, other.key)) return pair(edge, other.key);
      }
    } else {
      const node = tree.find(edge);
      if (node === null) continue;
      const below = tree.prev(node);
      const above = tree.next(node);
      tree.remove(edge);
      if (below !== null && above !== null && forbidden(below.key, above.key)) return pair(below.key, above.key);
    }
  }
  return null;
}

function pair(e: Edge, f: Edge): [EdgeRef, EdgeRef] {
  const [first, second] = e.ring < f.ring || (e.ring === f.ring && e.index < f.index) ? [e, f] : [f, e];
  return [
    { ring: first.ring, index: first.index },
    { ring: second.ring, index: second.index },
  ];
}

/**
 * South-to-north order of two edges that both lie under the sweep line and do not cross: seen from the one that
 * started later, is its start (or, when that lies on the other edge's line, its end) below or above the other?
 */
function compareEdges(e: Edge, f: Edge): number {
  if (e === f) return 0;
  if (lexCompare(e.left, f.left) >= 0) {
    const side = orient(f.left, f.right, e.left) || orient(f.left, f.right, e.right);
    return side !== 0 ? -side : e.id - f.id;
  }
  const side = orient(e.left, e.right, f.left) || orient(e.left, e.right, f.right);
  return side !== 0 ? side : e.id - f.id;
}

function lexCompare(p: Position, q: Position): number {
  return p[0]! - q[0]! || p[1]! - q[1]!;
}

/** The ring without a position repeated right after itself (a zero-length edge is harmless, but confuses the test). */
function withoutRepeats(ring: Ring): Ring {
  return ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1]);
}

/** 1 when r lies left of the line p→q, -1 right of it, 0 on it. */
export function orient(p: Position, q: Position, r: Position): number {
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
  return orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0;
}

/**
 * Two consecutive edges of a ring (`lo` before `hi`, or the last and the first of a ring of `n` edges) that run back
 * along each other: a spike of zero width. A ring of two edges is only such a spike.
 */
function foldsBack(lo: Edge, hi: Edge, n: number): boolean {
  if (n <= 2) return true;
  // The shared vertex: lo.b === hi.a for consecutive edges; for the closing pair (first and last) it is lo.a === hi.b.
  const wraps = lo.index === 0 && hi.index === n - 1 && n > 2;
  const [shared, p, q] = wraps ? [lo.a, lo.b, hi.a] : [lo.b, lo.a, hi.b];
  if (orient(p, shared, q) !== 0) return false;
  const dot = (p[0]! - shared[0]!) * (q[0]! - shared[0]!) + (p[1]! - shared[1]!) * (q[1]! - shared[1]!);
  return dot > 0;
}

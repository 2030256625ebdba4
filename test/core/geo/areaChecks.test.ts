import { describe, expect, it } from 'vitest';
import { areaKm2, findRingProblems, type PolygonRings } from '../../../agent/core/geo/areaChecks.ts';
import { parseTask } from '../../../agent/core/tasks/task.ts';
import { zigzagRing } from '../../../tools/bench/zigzag.ts';

type Ring = [number, number][];

/** A closed square ring, lon/lat degrees; `clockwise` reverses the winding. */
function square(lon: number, lat: number, size: number, clockwise = false): Ring {
  const ring: Ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]];
  return clockwise ? ring.reverse() : ring;
}

const labels = ['car'];
const limits = { maxBytes: 1024 * 1024, maxAreaKm2: 5, publicKeys: [] };
function taskWith(area: unknown): string {
  return JSON.stringify({
    id: 't',
    revision: 1,
    purpose: 'test',
    area,
    validFrom: '2026-12-01T00:00:00Z',
    validUntil: '2026-12-31T00:00:00Z',
    lookFor: ['car'],
    retentionDays: 1,
  });
}

describe('ring checks', () => {
  it('takes a valid 10,000-vertex zigzag whose edge boxes all overlap, and finds the one tooth bent across its neighbour', () => {
    const ring = zigzagRing(10_000);
    expect(ring.length).toBe(10_000);
    expect(findRingProblems([[ring]])).toEqual([]);
    const bent = ring.map((p) => [...p] as [number, number]);
    bent[4001] = [bent[4001]![0] + 0.01, bent[4001]![1]];
    const problems = findRingProblems([[bent]]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/intersects itself: in ring 0, the edge after position 400\d crosses the edge after position 400\d/);
  });

  it.each([
    ['a bow tie', [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
    ['a spike folding back', [[0, 0], [2, 0], [1, 0], [1, 1], [0, 0]]],
    ['a ring touching itself at a vertex', [[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1], [0, 0]]],
    ['a vertical edge crossed', [[0, 0], [2, 0], [2, 2], [1, -1], [1, 3], [0, 2], [0, 0]]],
  ])('rejects %s', (_name, ring) => {
    expect(findRingProblems([[ring as Ring]])[0]?.message).toContain('intersects itself');
  });

  it('takes a hole inside its ring, also one touching the ring at a point', () => {
    expect(findRingProblems([[square(0, 0, 10), square(2, 2, 2, true), square(5, 5, 2, true)]])).toEqual([]);
    expect(findRingProblems([[square(0, 0, 10), [[0, 0], [2, 1], [1, 2], [0, 0]]]])).toEqual([]);
  });

  it('rejects a hole far outside its ring, one along it, overlapping holes and a hole inside a hole', () => {
    expect(findRingProblems([[square(0, 0, 1), square(50, 50, 1)]])).toEqual([
      { path: [0, 1], message: 'hole 1 lies outside its outer ring; a hole must lie inside the ring it is cut from' },
    ]);
    expect(findRingProblems([[square(0, 0, 1), square(0, 0, 1, true)]])[0]?.message).toContain('hole 1 lies along its outer ring');
    expect(findRingProblems([[square(0, 0, 10), square(1, 1, 3), square(2, 2, 3)]])[0]?.message).toContain('intersects itself: in rings 1 and 2');
    expect(findRingProblems([[square(0, 0, 10), square(1, 1, 5), square(2, 2, 1)]])).toEqual([
      { path: [0, 2], message: 'holes 1 and 2 overlap; holes must not overlap' },
    ]);
    expect(findRingProblems([[square(0, 0, 10), square(1, 1, 5), square(1, 1, 5)]])[0]?.message).toContain('overlap');
  });
});

describe('area counted', () => {
  const one = areaKm2([[square(12.5, 55.6, 0.01)]]);

  it('counts overlapping MultiPolygon parts once, whatever their winding', () => {
    expect(one).toBeGreaterThan(0.6);
    expect(areaKm2([[square(12.5, 55.6, 0.01)], [square(12.5, 55.6, 0.01, true)]])).toBeCloseTo(one, 6);
    const halfOver = areaKm2([[square(12.5, 55.6, 0.01)], [square(12.505, 55.6, 0.01)]]);
    expect(halfOver).toBeGreaterThan(1.4 * one);
    expect(halfOver).toBeLessThan(1.6 * one);
    expect(areaKm2([[square(12.5, 55.6, 0.01)], [square(12.6, 55.6, 0.01)]])).toBeCloseTo(2 * one, 6);
  });

  it('subtracts a hole inside its ring', () => {
    const holed: PolygonRings = [square(12.5, 55.6, 0.01), square(12.502, 55.602, 0.005, true)];
    expect(areaKm2([holed])).toBeCloseTo(one * 0.75, 2);
  });
});

describe('a task area cannot be gamed', () => {
  it('rejects a city-sized ring with a far-away "hole" that would have made it count as nothing', () => {
    const city = square(12.45, 55.6, 0.25);
    const result = parseTask(taskWith({ type: 'Polygon', coordinates: [city, square(40, 10, 0.25, true)] }), labels, limits);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toEqual({ path: 'area.coordinates.1', message: expect.stringContaining('hole 1 lies outside its outer ring') });
  });

  it('rejects twenty copies of one allowed area stacked up, as it would a single one — counted once, not cancelled', () => {
    const part = square(12.5, 55.6, 0.02);
    const stacked = Array.from({ length: 20 }, (_, i) => [i % 2 === 0 ? part : [...part].reverse()]);
    expect(parseTask(taskWith({ type: 'MultiPolygon', coordinates: stacked }), labels, limits).ok).toBe(true);
    const big = square(12.4, 55.6, 0.05);
    const cancel = parseTask(taskWith({ type: 'MultiPolygon', coordinates: [[big], [[...big].reverse()]] }), labels, limits);
    expect(cancel).toMatchObject({ ok: false, errors: [{ path: 'area', message: expect.stringContaining('km²; at most 5 km²') }] });
  });
});

import { describe, expect, it } from 'vitest';
import { AreaIndex, distanceToBorderM } from '../../../agent/core/geo/areaIndex.ts';
import type { Area } from '../../../agent/core/geo/geo.ts';
import { positionAt } from '../../../agent/core/gps/extrapolate.ts';

const METRE_LAT = 1 / 111_320;
const square = (lon: number, lat: number, sideDeg: number): Area => ({
  type: 'Polygon',
  coordinates: [[[lon, lat], [lon + sideDeg, lat], [lon + sideDeg, lat + sideDeg], [lon, lat + sideDeg], [lon, lat]]],
});
const permit = square(12.553, 55.689, 0.0015);

describe('AreaIndex', () => {
  it('measures the distance to the border inside and outside', () => {
    expect(distanceToBorderM({ lon: 12.5535, lat: 55.689 + 20 * METRE_LAT }, permit)).toBeCloseTo(20, 0);
    expect(distanceToBorderM({ lon: 12.5535, lat: 55.689 - 35 * METRE_LAT }, permit)).toBeCloseTo(35, 0);
  });

  it('contains a position only with its whole error circle', () => {
    const index = new AreaIndex([{ item: 'permit', area: permit }]);
    const p = { lon: 12.5535, lat: 55.689 + 20 * METRE_LAT };
    expect(index.containing(p, 0)).toEqual(['permit']);
    expect(index.containing(p, 19)).toEqual(['permit']);
    expect(index.containing(p, 21)).toEqual([]);
  });

  it('finds the right one of many thousands of areas', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({
      item: i,
      area: square(12.4 + (i % 200) * 0.002, 55.6 + Math.floor(i / 200) * 0.002, 0.001),
    }));
    const index = new AreaIndex(items);
    expect(index.size).toBe(20_000);
    // Inside area 1234: column 34, row 6.
    expect(index.containing({ lon: 12.4 + 34 * 0.002 + 0.0005, lat: 55.6 + 6 * 0.002 + 0.0005 }, 5)).toEqual([1234]);
    // In the gap between areas: none, but two within 100 m.
    const gap = { lon: 12.4 + 34 * 0.002 + 0.0015, lat: 55.6 + 6 * 0.002 + 0.0005 };
    expect(index.containing(gap, 0)).toEqual([]);
    expect(index.near(gap, 40).map((h) => h.item).sort()).toEqual([1234, 1235]);
  });
});

describe('positionAt', () => {
  const fix = { lon: 12.55, lat: 55.69, mode: 3 as const, timeMs: 1_000, speedMps: 50 / 3.6, trackDeg: 0 };
  it('moves a fix on along its track to the frame time', () => {
    const p = positionAt(fix, 2_000, 1_500);
    expect((p.lat - fix.lat) / METRE_LAT).toBeCloseTo(13.9, 1);
    expect(p.lon).toBeCloseTo(fix.lon, 9);
  });
  it('moves at most maxAheadMs, and never backwards', () => {
    expect((positionAt(fix, 10_000, 1_500).lat - fix.lat) / METRE_LAT).toBeCloseTo(20.8, 1);
    expect(positionAt(fix, 0, 1_500)).toEqual({ lon: fix.lon, lat: fix.lat });
  });
  it('leaves a fix without speed or track where it is', () => {
    expect(positionAt({ ...fix, speedMps: undefined }, 2_000, 1_500)).toEqual({ lon: fix.lon, lat: fix.lat });
  });
});

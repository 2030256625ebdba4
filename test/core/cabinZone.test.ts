import { describe, expect, it } from 'vitest';
import type { Box } from '../../agent/core/boxes.ts';
import { cabinZones } from '../../agent/core/cabinZone.ts';
import { planRedaction } from '../../agent/core/redactionPlan.ts';
import type { Detection } from '../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.9): Detection => ({ box, score, label, detector: 'test' });
const hit = (x: number, y: number, score: number, sidePx = 20) => det('face', { x1: x, y1: y, x2: x + sidePx, y2: y + sidePx }, score);
// A car seen from behind, 300 px high: its rear window (band 5–45 %) spans rows 415–535.
const car = det('car', { x1: 400, y1: 400, x2: 800, y2: 700 });

describe('cabinZones: occupants behind glass', () => {
  it('a cluster of weak face hits in the window band gets one patch an occupant face high (20 % of the car)', () => {
    const zones = cabinZones([car], [hit(600, 450, 0.09), hit(604, 455, 0.1), hit(598, 448, 0.08)]);
    expect(zones.map((z) => z.zone)).toEqual([{ x1: 580, y1: 430, x2: 640, y2: 490 }]);
    expect(zones[0]!.vehicle).toBe(car);
  });

  it('a single weak hit (glare, a badge) is not enough; nor hits on the bumper, on a far car or off any vehicle', () => {
    expect(cabinZones([car], [hit(600, 450, 0.12)])).toEqual([]);
    const bumper = [hit(600, 650, 0.1), hit(602, 652, 0.1), hit(598, 648, 0.1)];
    expect(cabinZones([car], bumper)).toEqual([]);
    const far = det('car', { x1: 1000, y1: 500, x2: 1150, y2: 600 });
    expect(cabinZones([far], [hit(1050, 510, 0.1, 8), hit(1052, 512, 0.1, 8), hit(1048, 511, 0.1, 8)])).toEqual([]);
    expect(cabinZones([], [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)])).toEqual([]);
  });

  it('hits below cueMinScore do not count (the face model reports from its own threshold)', () => {
    expect(cabinZones([car], [hit(600, 450, 0.04), hit(604, 455, 0.04), hit(598, 448, 0.2)])).toEqual([]);
  });

  it('at most three patches per vehicle, the strongest clusters, none overlapping another', () => {
    const cluster = (x: number, score: number) => [hit(x, 450, score), hit(x + 4, 452, score)];
    const hits = [...cluster(410, 0.13), ...cluster(500, 0.2), ...cluster(600, 0.15), ...cluster(700, 0.14), hit(505, 455, 0.1)];
    const zones = cabinZones([car], hits).map((z) => z.zone.x1);
    expect(zones).toEqual([480, 580, 680]);
  });

  it('a patch stays inside its vehicle box', () => {
    const zones = cabinZones([car], [hit(400, 410, 0.15), hit(402, 412, 0.15)]);
    expect(zones.map((z) => z.zone)).toEqual([{ x1: 400, y1: 400, x2: 440, y2: 450 }]);
  });

  it('off with minVehicleHeightPx 0; the whole band with wholeBand', () => {
    const hits = [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)];
    expect(cabinZones([car], hits, { minVehicleHeightPx: 0 })).toEqual([]);
    expect(cabinZones([car], [], { wholeBand: true }).map((z) => z.zone)).toEqual([{ x1: 400, y1: 415, x2: 800, y2: 535 }]);
  });

  it('planRedaction blurs the patch as a cabin zone by default', () => {
    const regions = planRedaction({ width: 1920, height: 1080, faces: [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)], plates: [], objects: [car] });
    expect(regions.filter((r) => r.kind === 'cabin-zone').map((r) => r.box)).toEqual([{ x1: 580, y1: 430, x2: 640, y2: 490 }]);
    expect(regions.filter((r) => r.kind === 'face')).toEqual([]);
  });
});

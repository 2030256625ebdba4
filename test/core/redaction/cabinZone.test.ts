import { YUNET_CALIBRATION } from '../../../agent/adapters/detectors/yunetFaces.ts';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import { cabinZones } from '../../../agent/core/redaction/cabinZone.ts';
import { planRedaction } from '../../../agent/core/redaction/redactionPlan.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

/** The face model's occupant cue (yunetFaces.ts). */
const CUE = { cueMinScore: YUNET_CALIBRATION.occupantCueMinScore };
const H = 1080;
const det = (label: string, box: Box, score = 0.9): Detection => ({ box, score, label, detector: 'test' });
const hit = (x: number, y: number, score: number, sidePx = 20) => det('face', { x1: x, y1: y, x2: x + sidePx, y2: y + sidePx }, score);
// A car seen from behind, 300 px high: its rear window (band 5–45 %) spans rows 415–535.
const car = det('car', { x1: 400, y1: 400, x2: 800, y2: 700 });

describe('cabinZones: occupants behind glass', () => {
  it('a cluster of weak face hits in the window band gets one patch an occupant face high (20 % of the car)', () => {
    const zones = cabinZones([car], [hit(600, 450, 0.09), hit(604, 455, 0.1), hit(598, 448, 0.08)], H, CUE);
    expect(zones.map((z) => z.zone)).toEqual([{ x1: 580, y1: 430, x2: 640, y2: 490 }]);
    expect(zones[0]!.vehicle).toBe(car);
  });

  it('a single weak hit (glare, a badge) is not enough; nor hits on the bumper, on a far car or off any vehicle', () => {
    expect(cabinZones([car], [hit(600, 450, 0.12)], H, CUE)).toEqual([]);
    const bumper = [hit(600, 650, 0.1), hit(602, 652, 0.1), hit(598, 648, 0.1)];
    expect(cabinZones([car], bumper, H, CUE)).toEqual([]);
    const far = det('car', { x1: 1000, y1: 500, x2: 1150, y2: 600 });
    expect(cabinZones([far], [hit(1050, 510, 0.1, 8), hit(1052, 512, 0.1, 8), hit(1048, 511, 0.1, 8)], H, CUE)).toEqual([]);
    expect(cabinZones([], [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)], H, CUE)).toEqual([]);
  });

  it('hits below cueMinScore do not count (the face model reports from its own threshold)', () => {
    expect(cabinZones([car], [hit(600, 450, 0.04), hit(604, 455, 0.04), hit(598, 448, 0.2)], H, CUE)).toEqual([]);
  });

  it('at most three patches per vehicle, the strongest clusters, none overlapping another', () => {
    const cluster = (x: number, score: number) => [hit(x, 450, score), hit(x + 4, 452, score)];
    const hits = [...cluster(410, 0.13), ...cluster(500, 0.2), ...cluster(600, 0.15), ...cluster(700, 0.14), hit(505, 455, 0.1)];
    const zones = cabinZones([car], hits, H, CUE).map((z) => z.zone.x1);
    expect(zones).toEqual([480, 580, 680]);
  });

  it('a patch stays inside its vehicle box', () => {
    const zones = cabinZones([car], [hit(400, 410, 0.15), hit(402, 412, 0.15)], H, CUE);
    expect(zones.map((z) => z.zone)).toEqual([{ x1: 400, y1: 400, x2: 440, y2: 450 }]);
  });

  it('off with minVehicleHeightShare 0; the whole band with wholeBand', () => {
    const hits = [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)];
    expect(cabinZones([car], hits, H, { ...CUE, minVehicleHeightShare: 0 })).toEqual([]);
    expect(cabinZones([car], [], H, { ...CUE, wholeBand: true }).map((z) => z.zone)).toEqual([{ x1: 400, y1: 415, x2: 800, y2: 535 }]);
  });

  it('planRedaction blurs the patch as a cabin zone by default', () => {
    const regions = planRedaction({ calibration: YUNET_CALIBRATION, width: 1920, height: 1080, faces: [hit(600, 450, 0.1), hit(604, 455, 0.1), hit(598, 448, 0.1)], plates: [], objects: [car] });
    expect(regions.filter((r) => r.kind === 'cabin-zone').map((r) => r.box)).toEqual([{ x1: 580, y1: 430, x2: 640, y2: 490 }]);
    expect(regions.filter((r) => r.kind === 'face')).toEqual([]);
  });
});

describe('cabinZones: vehicles that get no occupant patches', () => {
  const hitsAt = (x: number, y: number) => [hit(x, y, 0.1), hit(x + 4, y + 5, 0.1), hit(x - 2, y - 2, 0.1)];

  it('a vehicle filling most of the frame (closer than a car length) gets none', () => {
    const close = det('car', { x1: 100, y1: 100, x2: 900, y2: 800 });
    expect(cabinZones([close], hitsAt(500, 200), H, CUE)).toEqual([]);
    expect(cabinZones([close], hitsAt(500, 200), 1500, CUE)).toHaveLength(1);
  });

  it("a box far wider than high (the camera's own bonnet) gets none", () => {
    const bonnet = det('car', { x1: 40, y1: 810, x2: 1860, y2: 1070 });
    expect(cabinZones([bonnet], hitsAt(900, 850), H, CUE)).toEqual([]);
  });
});

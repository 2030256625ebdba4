import { YUNET_CALIBRATION } from '../../../agent/adapters/detectors/yunetFaces.ts';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import { fitsOccupant } from '../../../agent/core/redaction/faceEvidence.ts';
import { planRedaction, type PlanOverrides } from '../../../agent/core/redaction/redactionPlan.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.9): Detection => ({ box, score, label, detector: 'test' });
const face = (x: number, y: number, sidePx: number, score: number) => det('face', { x1: x, y1: y, x2: x + sidePx, y2: y + sidePx }, score);
// A car seen from behind, 400 × 300 px: 250 px per metre by its width (1.6 m, the smallest car), so an occupant's
// face (at most 0.3 m at that scale) is at most 75 px high; its cabin is the upper 60 %, rows 400–580.
const car = det('car', { x1: 400, y1: 400, x2: 800, y2: 700 });
const FRAME = { widthPx: 1920, heightPx: 1080 };
const plan = (faces: Detection[], objects: Detection[], o: PlanOverrides = {}) =>
  planRedaction({ calibration: YUNET_CALIBRATION, width: 1920, height: 1080, faces, plates: [], objects }, o).filter((r) => r.kind !== 'plate-zone');

describe('fitsOccupant: a face no larger than an occupant can show behind the vehicle\'s nearest face', () => {
  it('takes the vehicle\'s scale from its box, by height or width, whichever gives more pixels per metre', () => {
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 75 }, car, 0.3, FRAME)).toBe(true);
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 80 }, car, 0.3, FRAME)).toBe(false);
    // A truck (the smallest: a van, 1.8 m) of the same box holds smaller faces.
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 70 }, det('truck', car.box), 0.3, FRAME)).toBe(false);
  });

  it('a side the frame cuts tells nothing of the vehicle\'s size; a box cut both ways holds any face', () => {
    // Cut by the bottom edge, 150 px of it left: its width still tells its scale (250 px per metre).
    const cut = det('car', { x1: 400, y1: 930, x2: 800, y2: 1080 });
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 75 }, cut, 0.3, FRAME)).toBe(true);
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 80 }, cut, 0.3, FRAME)).toBe(false);
    // Cut by the right edge, 100 px of it left: its height tells (300 px / 1.4 m).
    const side = det('car', { x1: 1820, y1: 400, x2: 1920, y2: 700 });
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 64 }, side, 0.3, FRAME)).toBe(true);
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 60, y2: 66 }, side, 0.3, FRAME)).toBe(false);
    // In the frame's corner: nothing tells how large that car is.
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 200, y2: 200 }, det('car', { x1: 1820, y1: 930, x2: 1920, y2: 1080 }), 0.3, FRAME)).toBe(true);
  });

  it('any size on a motorcycle (its rider) or with the rule off (0)', () => {
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 200, y2: 200 }, det('motorcycle', car.box), 0.3, FRAME)).toBe(true);
    expect(fitsOccupant({ x1: 0, y1: 0, x2: 200, y2: 200 }, car, 0, FRAME)).toBe(true);
  });
});

describe('weak faces on vehicles', () => {
  it("a weak face in a car's cabin is blurred at an occupant's size, not when larger (the car's rear window, its lights)", () => {
    expect(plan([face(560, 420, 60, 0.2)], [car]).map((r) => r.kind)).toEqual(['face']);
    expect(plan([face(560, 420, 100, 0.2)], [car])).toEqual([]);
    // The rule off: any size in the cabin, as before.
    expect(plan([face(560, 420, 100, 0.2)], [car], { faceEvidence: { occupantMaxFaceM: 0 } }).map((r) => r.kind)).toEqual(['face']);
  });

  it('a pedestrian in front of the car, with a person box of their own, keeps their weak face', () => {
    const person = det('person', { x1: 540, y1: 400, x2: 700, y2: 1000 });
    expect(plan([face(560, 420, 100, 0.2)], [car, person]).map((r) => r.kind)).toEqual(['face']);
  });

  it('occupant patches come only from hits of an occupant\'s size', () => {
    const cluster = (sidePx: number) => [face(600, 450, sidePx, 0.1), face(604, 455, sidePx, 0.1), face(598, 448, sidePx, 0.1)];
    expect(plan(cluster(40), [car]).map((r) => r.kind)).toEqual(['cabin-zone']);
    expect(plan(cluster(120), [car])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import {
  bandSearches,
  bandTextCandidates,
  confirmCrop,
  confirmingPlates,
  cutVehicleTextCandidates,
  DEFAULT_BAND_TEXT_OPTIONS as O,
  plateAroundBandLine,
} from '../../../agent/core/redaction/bandTextPlates.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.8): Detection => ({ box, score, label, detector: 'test' });
const line = (x1: number, y1: number, w: number, h: number, score = 0.8) => det('text', { x1, y1, x2: x1 + w, y2: y1 + h }, score);

describe('bandTextPlates: which text of the frame band may be a plate', () => {
  it('searches the lower band in two overlapping halves, at most maxLongSide wide in all', () => {
    const y1 = Math.round(0.38 * 720);
    const all = { y1: -Infinity, y2: Infinity };
    expect(bandSearches(1280, 720, O)).toEqual([
      { region: { x1: 0, y1, x2: 720, y2: 720 }, longSide: 720, centreRows: all },
      { region: { x1: 560, y1, x2: 1280, y2: 720 }, longSide: 720, centreRows: all },
    ]);
    expect(bandSearches(1920, 1080, O).map((s) => s.longSide)).toEqual([693, 693]);
  });
  it('rows of near plates only go at half scale in one piece; each part holds whole every line centred on its side', () => {
    const y1 = Math.round(0.38 * 1080);
    const searches = bandSearches(1920, 1080, { ...O, halfScaleTop: 0.8, onePartMaxPx: 0 });
    const reach = Math.ceil((0.08 * 1080) / 2);
    expect(searches).toEqual([
      { region: { x1: 0, y1, x2: 1040, y2: 864 + reach }, longSide: 693, centreRows: { y1: -Infinity, y2: 864 } },
      { region: { x1: 880, y1, x2: 1920, y2: 864 + reach }, longSide: 693, centreRows: { y1: -Infinity, y2: 864 } },
      { region: { x1: 0, y1: 864 - reach, x2: 1920, y2: 1080 }, longSide: 640, centreRows: { y1: 864, y2: Infinity } },
    ]);
    // Fewer pixels for the text model: the lower rows at a quarter of the area.
    const px = (list: typeof searches) => list.reduce((a, s) => a + (s.region.x2 - s.region.x1) * (s.region.y2 - s.region.y1) * (s.longSide / (s.region.x2 - s.region.x1)) ** 2, 0);
    expect(px(searches)).toBeLessThan(0.85 * px(bandSearches(1920, 1080, O)));
    // A split at or above the band's top: the whole band at half scale; at its bottom: as without one.
    expect(bandSearches(1920, 1080, { ...O, halfScaleTop: 0.1 })).toEqual([
      { region: { x1: 0, y1, x2: 1920, y2: 1080 }, longSide: 640, centreRows: { y1, y2: Infinity } },
    ]);
    expect(bandSearches(1920, 1080, { ...O, halfScaleTop: 1 })).toEqual(bandSearches(1920, 1080, O));
  });
  it('the rows above the split go in one piece when that input is small enough: no overlap read twice', () => {
    const y1 = Math.round(0.6 * 1080);
    const reach = Math.ceil((0.08 * 1080) / 2);
    const split = { ...O, top: 0.6, halfScaleTop: 0.8 };
    // 1280 × (864 + 44 − 648) · 2/3 → 1280 × 192 = 245,760 px of input.
    expect(bandSearches(1920, 1080, { ...split, onePartMaxPx: 250_000 })).toEqual([
      { region: { x1: 0, y1, x2: 1920, y2: 864 + reach }, longSide: 1280, centreRows: { y1: -Infinity, y2: 864 } },
      { region: { x1: 0, y1: 864 - reach, x2: 1920, y2: 1080 }, longSide: 640, centreRows: { y1: 864, y2: Infinity } },
    ]);
    expect(bandSearches(1920, 1080, { ...split, onePartMaxPx: 240_000 })).toHaveLength(3);
    // Without the split (no camera geometry) the band keeps its parts, whatever its size.
    expect(bandSearches(1920, 1080, { ...O, top: 0.9, onePartMaxPx: 10_000_000 })).toHaveLength(2);
  });
  it('a short line of a plate\'s proportions below the horizon is a candidate', () => {
    expect(bandTextCandidates([line(560, 373, 63, 18)], [], 720, O)).toHaveLength(1);
  });
  it('lettering above the horizon (shop fronts, street signs) is never a candidate', () => {
    expect(bandTextCandidates([line(560, 250, 63, 18)], [], 720, O)).toEqual([]);
  });
  it('a long line (a shop sign, a banner) or a narrow one (a single character, a pole) is not a plate', () => {
    expect(bandTextCandidates([line(100, 500, 300, 20), line(100, 500, 10, 20)], [], 720, O)).toEqual([]);
  });
  it('lettering taller than a plate of an undetected vehicle can be (a poster) is not a plate', () => {
    expect(bandTextCandidates([line(100, 400, 300, 100)], [], 720, O)).toEqual([]);
  });
  it('a line on a plate already found needs no second look', () => {
    expect(bandTextCandidates([line(560, 373, 63, 18)], [{ x1: 550, y1: 365, x2: 640, y2: 400 }], 720, O)).toEqual([]);
  });
  it('at most maxCandidates lines, the best scored first', () => {
    const many = Array.from({ length: 12 }, (_, i) => line(20 + 100 * i, 500, 60, 16, 0.5 + i / 100));
    const got = bandTextCandidates(many, [], 720, O);
    expect(got).toHaveLength(O.maxCandidates);
    expect(got[0]!.score).toBeCloseTo(0.61);
  });
  it('text on a vehicle cut by the frame top is a candidate without the horizon; text taken as a plate is not', () => {
    const truck = det('truck', { x1: 500, y1: 0, x2: 1250, y2: 390 });
    const high = line(910, 137, 65, 28);
    const taken = line(700, 300, 60, 20);
    expect(cutVehicleTextCandidates([high, taken], [truck], [taken], [], 720, O)).toEqual([high]);
    const whole = det('truck', { x1: 500, y1: 40, x2: 1250, y2: 390 });
    expect(cutVehicleTextCandidates([high], [whole], [], [], 720, O)).toEqual([]);
  });
  it('the plate model looks at a square of ten line heights around the line, inside the frame', () => {
    const crop = confirmCrop({ x1: 10, y1: 500, x2: 60, y2: 514 }, 1280, 720, O);
    expect(crop.x1).toBe(0);
    expect(crop.y2 - crop.y1).toBeCloseTo(140);
  });
  it('only a plate scored enough and centred on the line confirms it', () => {
    const l: Box = { x1: 560, y1: 373, x2: 623, y2: 391 };
    const on = det('plate', { x1: 555, y1: 370, x2: 630, y2: 395 }, 0.5);
    const weak = det('plate', { x1: 555, y1: 370, x2: 630, y2: 395 }, 0.1);
    const elsewhere = det('plate', { x1: 200, y1: 370, x2: 260, y2: 395 }, 0.9);
    expect(confirmingPlates(l, [on, weak, elsewhere], O)).toEqual([on]);
  });
  it('the plate around a confirmed line has an EU plate\'s width and takes in the confirming box', () => {
    const b = plateAroundBandLine({ x1: 65, y1: 344, x2: 112, y2: 358 }, [], O);
    expect(b.x2 - b.x1).toBeCloseTo(4.5 * 21);
    const joined = plateAroundBandLine({ x1: 65, y1: 344, x2: 112, y2: 358 }, [det('plate', { x1: 20, y1: 338, x2: 125, y2: 363 })], O);
    expect(joined.x1).toBe(20);
    expect(joined.y2).toBe(363);
  });
});

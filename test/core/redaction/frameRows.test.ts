import { describe, expect, it } from 'vitest';
import {
  FALLBACK_FACE_BAND,
  FALLBACK_TEXT_BAND,
  faceBandRows,
  horizonFromObjects,
  minLineRow,
  resolveFaceBand,
  resolveTextBand,
  textBandRows,
} from '../../../agent/core/redaction/frameRows.ts';
import { horizonRow, pixelsPerTilt, rowAt } from '../../../agent/core/geometry/cameraGeometry.ts';
import { parseRedactionSettings } from '../../../agent/core/redaction/redactionSettings.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const s = parseRedactionSettings({});
const rules = s.geometry;
const dashcam = { fovDeg: 90, mountHeightM: 1.35, pitchDeg: 0 };
const det = (label: string, x1: number, y1: number, x2: number, y2: number, score = 0.8): Detection => ({ box: { x1, y1, x2, y2 }, score, label, detector: 'test' });

describe('frame rows: where faces and plates can lie, from the camera geometry', () => {
  it('the face band holds the faces of standing persons up to bandMaxPx high, from any distance, on a 16-px grid', () => {
    const band = faceBandRows(dashcam, rules, 1920, 1080, 48, undefined, 0);
    expect(band.y1 % 16).toBe(10);
    expect(band.y2 % 16).toBe(10);
    const f = 960;
    for (const z of [1.45, 1.6, 1.8]) {
      for (const px of [6, 12, 24, 48]) {
        const y = rowAt(dashcam, 1920, 1080, z, (f * rules.faceHeightM) / px);
        expect(y - px / 2).toBeGreaterThanOrEqual(band.y1);
        expect(y + px / 2).toBeLessThanOrEqual(band.y2);
      }
    }
    // As many rows wherever the horizon lies (one input size for the face model), unless the frame cuts the band.
    const lower = faceBandRows(dashcam, rules, 1920, 1080, 48, 557, 0);
    expect(lower.y2 - lower.y1).toBe(band.y2 - band.y1);
    // Far faces crowd round the horizon: the band is a few face heights, not a third of the frame.
    expect(band.y2 - band.y1).toBeLessThan(0.25 * 1080);
  });
  it('the band follows the horizon: a camera looking down sees far faces higher; slack widens it both ways', () => {
    const levelBand = faceBandRows(dashcam, rules, 1920, 1080, 48, undefined, 0);
    const down = faceBandRows({ ...dashcam, pitchDeg: 6 }, rules, 1920, 1080, 48, undefined, 0);
    expect(down.y1).toBeLessThan(levelBand.y1);
    expect(down.y2).toBeLessThan(levelBand.y2);
    const slack = faceBandRows(dashcam, rules, 1920, 1080, 48, undefined, 4);
    const px = pixelsPerTilt(1920, 90, 4);
    expect(slack.y1).toBeLessThanOrEqual(levelBand.y1 - px + 16);
    expect(slack.y2).toBeGreaterThanOrEqual(levelBand.y2 + px - 16);
  });
  it('a camera mounted high (a truck cab) sees the faces below the horizon', () => {
    const truck = faceBandRows({ ...dashcam, mountHeightM: 2.6 }, rules, 1920, 1080, 48, undefined, 0);
    expect(truck.y1).toBeGreaterThanOrEqual(540 - 48);
    expect(truck.y2).toBeGreaterThan(540 + 100);
  });
  it('plates lie below the horizon less the slack; a camera below the highest plate lets near lines rise above it', () => {
    const rows = textBandRows(dashcam, rules, 1920, 1080, 86, undefined, 0);
    expect(rows.plateRowPx).toBeCloseTo(540);
    expect(rows.rise).toBe(0);
    expect(rows.topPx).toBe(540 - 43);
    const low = textBandRows({ ...dashcam, mountHeightM: 1.2 }, rules, 1280, 720, 58, undefined, 2);
    expect(low.plateRowPx).toBeCloseTo(360 - pixelsPerTilt(1280, 90, 2));
    expect(low.rise).toBeCloseTo(0.1 / 0.11);
    expect(low.topPx).toBeLessThan(low.plateRowPx - 29);
  });
  it('below the row of the smallest line, every plate (0.3–1.3 m above the road) is at least that high, wherever the horizon lies within the slack', () => {
    const f = 960;
    const row = minLineRow(dashcam, rules, 1920, 1080, 24, 540, 4)!;
    const lowest = 540 + pixelsPerTilt(1920, 90, 4);
    // A 24-px line of the lowest plate with the horizon as low as the slack allows: on that row; 1.35 m − 0.3 m of
    // height below the lens, 24 / 0.11 px per metre (near the frame's middle; the tilt that puts the horizon there
    // bends it by a few rows).
    expect(Math.abs(row - (lowest + ((1.35 - 0.3) * 24) / 0.11))).toBeLessThan(8);
    for (const horizon of [540 - pixelsPerTilt(1920, 90, 4), 540, lowest]) {
      for (const z of [0.3, 0.5, 0.8, 1.3]) {
        for (const px of [6, 12, 23]) {
          // A smaller line, at any plate height, lies above that row.
          expect(rowAt(dashcam, 1920, 1080, z, (f * rules.plateHeightM) / px, horizon)).toBeLessThan(row);
        }
      }
    }
    // A camera looking down sees the same plate higher in the frame; a camera at or below the lowest plate sees none below the horizon.
    expect(minLineRow({ ...dashcam, pitchDeg: 8 }, rules, 1920, 1080, 24)!).toBeLessThan(minLineRow(dashcam, rules, 1920, 1080, 24)!);
    expect(minLineRow({ ...dashcam, mountHeightM: 0.3 }, rules, 1920, 1080, 24)).toBeNull();
  });
  it("a frame's horizon from the persons and vehicles standing in it; boxes cut by the frame or weak do not count", () => {
    // A car 1.5 m high whose box is 60 px and ends at row 700: horizon 700 − 1.35·60/1.5 = 646.
    const car = det('car', 800, 640, 900, 700);
    const person = det('person', 300, 570, 320, 638); // 68 px, 1.7 m: 638 − 1.35·68/1.7 = 584
    expect(horizonFromObjects(dashcam, 1920, 1080, [car], 10)).toBeCloseTo(646);
    expect(horizonFromObjects(dashcam, 1920, 1080, [car, person, det('truck', 0, 200, 600, 1080), det('car', 1, 1, 50, 40, 0.2)], 10)).toBeCloseTo(
      (646 + 584) / 2,
    );
    expect(horizonFromObjects(dashcam, 1920, 1080, [det('bicycle', 800, 640, 900, 700)], 10)).toBeNull();
    // Kept within the slack of the configured horizon.
    expect(horizonFromObjects(dashcam, 1920, 1080, [car], 2)).toBeCloseTo(540 + pixelsPerTilt(1920, 90, 2));
  });
  it('an installer\'s band wins; no geometry: the fallback rows; with geometry: the frame\'s own horizon places the band', () => {
    expect(resolveFaceBand({ top: 0.3, bottom: 0.5 }, dashcam, rules, 1920, 1080, 48, [])).toEqual({ y1: 324, y2: 540 });
    expect(resolveFaceBand(undefined, null, rules, 1920, 1080, 48, [])).toEqual({
      y1: Math.round(FALLBACK_FACE_BAND.top * 1080),
      y2: Math.round(FALLBACK_FACE_BAND.bottom * 1080),
    });
    const alone = resolveFaceBand(undefined, dashcam, rules, 1920, 1080, 48, []);
    expect(alone).toEqual(faceBandRows(dashcam, rules, 1920, 1080, 48, horizonRow(dashcam, 1920, 1080), rules.horizonSlackDeg));
    const placed = resolveFaceBand(undefined, dashcam, rules, 1920, 1080, 48, [det('car', 800, 640, 900, 700)]);
    expect(placed).toEqual(faceBandRows(dashcam, rules, 1920, 1080, 48, 646, rules.objectSlackDeg));
    expect(placed.y2 - placed.y1).toBeLessThan(alone.y2 - alone.y1);
    // A geometry that leaves the band outside the frame (pitch far off): the fallback rows, not no band.
    expect(resolveFaceBand(undefined, { ...dashcam, pitchDeg: -45 }, rules, 1920, 1080, 48, [])).toEqual({ y1: 378, y2: 734 });
  });
  it('the text band: configured rows win each on its own; no geometry: the fallback rows', () => {
    expect(resolveTextBand(s.text.band, null, rules, 1920, 1080, [])).toMatchObject({ ...FALLBACK_TEXT_BAND, horizonRise: 0 });
    const set = resolveTextBand({ ...s.text.band, horizon: 0.45 }, dashcam, rules, 1920, 1080, []);
    expect(set.horizon).toBe(0.45);
    expect(set.horizonRise).toBe(0);
    expect(set.top).toBeCloseTo(textBandRows(dashcam, rules, 1920, 1080, 0.08 * 1080).topPx / 1080);
    expect(resolveTextBand(s.text.band, { ...dashcam, pitchDeg: -45 }, rules, 1920, 1080, [])).toMatchObject(FALLBACK_TEXT_BAND);
    // A plate row set above the derived band: the band starts half the tallest line above it.
    expect(resolveTextBand({ ...s.text.band, horizon: 0.2 }, dashcam, rules, 1920, 1080, []).top).toBeCloseTo(0.2 - 0.04);
    expect(resolveTextBand({ ...s.text.band, top: 0.5, horizon: 0.2 }, dashcam, rules, 1920, 1080, []).top).toBe(0.5);
  });
  it('the text band goes at half scale from the row where the geometry puts only lines halfScaleLinePx high in the model input', () => {
    const car = det('car', 800, 640, 900, 700); // horizon 646
    const band = resolveTextBand(s.text.band, dashcam, rules, 1920, 1080, [car]);
    // The band's scale on a 1920-px frame is 1280/1920: halfScaleLinePx of input is 1.5 × that many frame pixels.
    const row = minLineRow(dashcam, rules, 1920, 1080, s.text.band.halfScaleLinePx * 1.5, 646, rules.objectSlackDeg)!;
    expect(band.halfScaleTop! * 1080).toBeCloseTo(row);
    expect(band.halfScaleTop!).toBeGreaterThan(band.horizon);
    // Off, no geometry, or a row below the frame: one scale.
    expect(resolveTextBand({ ...s.text.band, halfScaleLinePx: 0 }, dashcam, rules, 1920, 1080, [car]).halfScaleTop).toBeUndefined();
    expect(resolveTextBand(s.text.band, null, rules, 1920, 1080, [car]).halfScaleTop).toBeUndefined();
    expect(resolveTextBand({ ...s.text.band, halfScaleLinePx: 200 }, dashcam, rules, 1920, 1080, [car]).halfScaleTop).toBeUndefined();
  });
});

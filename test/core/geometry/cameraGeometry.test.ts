import { describe, expect, it } from 'vitest';
import { focalLengthPx, horizonRow, pinholeGeometry, pixelsPerTilt, rowAt, verticalFovDeg } from '../../../agent/core/geometry/cameraGeometry.ts';

const level = { fovDeg: 90, mountHeightM: 1.4, pitchDeg: 0 };

describe('camera geometry: where a point above the road appears in the frame', () => {
  it('a 90° lens on a 1920-px frame has a focal length of 960 px; the vertical opening follows from the aspect', () => {
    expect(focalLengthPx(1920, 90)).toBeCloseTo(960);
    expect(verticalFovDeg(1920, 1080, 90)).toBeCloseTo(58.7, 1);
    expect(pixelsPerTilt(1920, 90, 1)).toBeCloseTo(16.76, 1);
  });
  it('a level camera has the horizon across the middle; looking down moves it up', () => {
    expect(horizonRow(level, 1920, 1080)).toBe(540);
    expect(horizonRow({ ...level, pitchDeg: 5 }, 1920, 1080)).toBeCloseTo(540 - 960 * Math.tan((5 * Math.PI) / 180));
    expect(horizonRow({ ...level, pitchDeg: -5 }, 1920, 1080)).toBeGreaterThan(540);
  });
  it('a point at lens height lies on the horizon at any distance; a lower one below it, nearing it with distance', () => {
    expect(rowAt(level, 1920, 1080, 1.4, 5)).toBeCloseTo(540);
    expect(rowAt(level, 1920, 1080, 1.4, 50)).toBeCloseTo(540);
    // A plate 0.5 m high 10 m ahead: 0.9 m below the lens, f·0.9/10 rows below the horizon.
    expect(rowAt(level, 1920, 1080, 0.5, 10)).toBeCloseTo(540 + (960 * 0.9) / 10, 0);
    expect(rowAt(level, 1920, 1080, 0.5, 40)).toBeLessThan(rowAt(level, 1920, 1080, 0.5, 10));
    expect(rowAt(level, 1920, 1080, 1.8, 10)).toBeLessThan(540);
  });
  it('a frame\'s own horizon moves every row with it (the camera tilting)', () => {
    const own = rowAt(level, 1920, 1080, 0.5, 10, 600);
    // Nearly the same offset from the horizon (the tilted lens stretches rows below the middle a little).
    expect(Math.abs(own - 600 - (rowAt(level, 1920, 1080, 0.5, 10) - 540))).toBeLessThan(2);
  });
  it('a fisheye or 360° lens places no rows (the fixed ones are searched); no camera neither', () => {
    expect(pinholeGeometry(level)).toEqual(level);
    expect(pinholeGeometry({ ...level, fovDeg: 150 })).toEqual({ ...level, fovDeg: 150 });
    expect(pinholeGeometry({ ...level, fovDeg: 180 })).toBeNull();
    expect(pinholeGeometry({ ...level, fovDeg: 360 })).toBeNull();
    expect(pinholeGeometry(null)).toBeNull();
  });
});
